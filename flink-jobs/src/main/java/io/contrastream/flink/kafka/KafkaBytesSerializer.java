package io.contrastream.flink.kafka;

import java.util.List;
import java.util.Optional;
import org.apache.flink.connector.kafka.lineage.DefaultKafkaDatasetFacet;
import org.apache.flink.connector.kafka.lineage.DefaultKafkaDatasetIdentifier;
import org.apache.flink.connector.kafka.lineage.KafkaDatasetFacet;
import org.apache.flink.connector.kafka.lineage.KafkaDatasetFacetProvider;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Writes {@link KafkaBytes} to one topic, key, value and headers as they are.
 *
 * <pre>{@code
 * KafkaSink.<KafkaBytes>builder().setRecordSerializer(new KafkaBytesSerializer("embeddings"))...
 * }</pre>
 */
public class KafkaBytesSerializer implements KafkaRecordSerializationSchema<KafkaBytes>, KafkaDatasetFacetProvider {
    private static final long serialVersionUID = 1L;
    private final String topic;

    public KafkaBytesSerializer(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(KafkaBytes element, KafkaSinkContext context, Long timestamp) {
        RecordHeaders headers = new RecordHeaders();
        if (element.headers != null) {
            for (KafkaBytes.Header h : element.headers) {
                headers.add(h.key, h.value);
            }
        }
        return new ProducerRecord<>(topic, null, timestamp, element.key, element.value, headers);
    }

    /** The topic written (the POOLING transaction naming strategy needs it to find lingering transactions). */
    @Override
    public Optional<KafkaDatasetFacet> getKafkaDatasetFacet() {
        return Optional.of(new DefaultKafkaDatasetFacet(DefaultKafkaDatasetIdentifier.ofTopics(List.of(topic))));
    }
}
