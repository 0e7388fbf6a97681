package io.contrastream.cli;

import io.contrastream.codecs.AudioEncoder;
import io.contrastream.codecs.ImageEncoder;
import io.contrastream.connectors.format.AvroCodec;
import io.contrastream.connectors.format.avro.ImageRecord;
import io.contrastream.model.data.ImageSet;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Sends an image set to a topic as PNG {@code ImageRecord}s keyed by record id ({@code SOURCE-i}),
 * for {@code produce} and the demo.
 *
 * <pre>{@code
 * ImageProducer.send("127.0.0.1:9092", "images", set, "demo", 0, new AtomicLong());
 * ImageProducer.send("127.0.0.1:9092", "images", spoken.images(), spoken.audioPerImage(), "demo", 0, sent, 0);
 * }</pre>
 */
final class ImageProducer {
    private ImageProducer() {}

    /**
     * @param rate records per second, 0 for as fast as possible
     * @param sent incremented after each record handed to the producer
     */
    static void send(String bootstrap, String topic, ImageSet set, String source, double rate, AtomicLong sent)
            throws InterruptedException {
        send(bootstrap, topic, set, source, rate, sent, 0);
    }

    /**
     * As above, with {@code poisonPerImage} bad records ({@link PoisonRecords}) after every image; they do
     * not count in {@code sent}.
     */
    static void send(String bootstrap, String topic, ImageSet set, String source, double rate, AtomicLong sent,
            int poisonPerImage) throws InterruptedException {
        send(bootstrap, topic, set, null, source, rate, sent, poisonPerImage);
    }

    /** As above; with {@code audio} (16 kHz, one per image, or null) each record carries its utterance as PCM_S16LE. */
    static void send(String bootstrap, String topic, ImageSet set, List<float[]> audio, String source, double rate,
            AtomicLong sent, int poisonPerImage) throws InterruptedException {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        long start = System.nanoTime();
        AvroCodec<ImageRecord> codec = AvroCodec.of(ImageRecord.class);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(),
                new ByteArraySerializer())) {
            for (int i = 0; i < set.size(); i++) {
                if (rate > 0) {
                    long wait = start + (long) (i * 1e9 / rate) - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                }
                String id = source + "-" + i;
                int label = set.labels()[i];
                ImageRecord rec = ImageEncoder.png(id, source, System.currentTimeMillis(), set.images().get(i),
                        label < 0 ? null : label);
                if (audio != null) {
                    rec.setAudio(AudioEncoder.recordAudio(audio.get(i), 16000));
                }
                producer.send(new ProducerRecord<>(topic, id, codec.encode(rec)));
                sent.incrementAndGet();
                for (int k = 0; k < poisonPerImage; k++) {
                    producer.send(new ProducerRecord<>(topic, "bad-" + id + "-" + k,
                            PoisonRecords.record((long) i * poisonPerImage + k)));
                }
            }
            producer.flush();
        }
    }
}
