package io.contrastream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.contrastream.connectors.format.avro.ImageRecord;
import io.contrastream.connectors.kafka.AvroSerde;
import io.contrastream.kafka.EmbeddedKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code produce} sends every image as a PNG ImageRecord that reads back through the Avro serde. */
class ProduceTest {
    @TempDir
    Path dir;

    @Test
    void producesEveryImageAsAPngRecord() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"), 0)) {
            kafka.createTopics(1, "imgs");
            CommandLineTest.Result r = CommandLineTest.run("produce", "--data", "synthetic:50", "--topic", "imgs",
                    "--bootstrap-servers", kafka.bootstrapServers(), "--limit", "40");
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(r.out()).contains("produce: records=40 topic=imgs");
            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            Set<String> ids = new HashSet<>();
            try (KafkaConsumer<String, ImageRecord> c = new KafkaConsumer<>(p, new StringDeserializer(),
                    AvroSerde.of(ImageRecord.class).deserializer())) {
                List<TopicPartition> parts = new ArrayList<>(List.of(new TopicPartition("imgs", 0)));
                c.assign(parts);
                c.seekToBeginning(parts);
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (ids.size() < 40 && System.nanoTime() < deadline) {
                    for (ConsumerRecord<String, ImageRecord> rec : c.poll(Duration.ofMillis(300))) {
                        ImageRecord img = rec.value();
                        assertThat(img.getEncoding().name()).isEqualTo("PNG");
                        assertThat(img.getWidth()).isEqualTo(28);
                        assertThat(rec.key()).isEqualTo(img.getId());
                        ids.add(img.getId());
                    }
                }
            }
            assertThat(ids).hasSize(40);
        }
    }
}
