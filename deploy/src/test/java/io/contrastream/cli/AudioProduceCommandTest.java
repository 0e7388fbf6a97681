package io.contrastream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.contrastream.connectors.format.avro.AudioChunk;
import io.contrastream.connectors.kafka.AvroSerde;
import io.contrastream.kafka.EmbeddedKafka;
import io.contrastream.model.data.audio.WavFile;
import io.contrastream.model.data.audio.WavFolderReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code produce --data wavfolder:DIR} sends Σ ceil(stream length / chunk) AudioChunks, in order per stream. */
class AudioProduceCommandTest {
    @TempDir
    Path dir;

    @Test
    void producesEveryChunkOfEveryStream() throws Exception {
        Path speech = dir.resolve("speech");
        int[] lengths = {3000, 5000, 700, 12_000, 4410};
        for (int i = 0; i < lengths.length; i++) {
            Path d = speech.resolve("spk" + (i % 2)).resolve("w" + i);
            Files.createDirectories(d);
            float[] x = new float[lengths[i]];
            for (int k = 0; k < x.length; k++) {
                x[k] = (float) Math.sin(k * 0.01 * (i + 1)) * 0.5f;
            }
            WavFile.write(d.resolve("0.wav"), x, 22050);
        }
        long expected = AudioProducer.chunkCount(WavFolderReader.read(speech), 3, 50);
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"), 0)) {
            kafka.createTopics(1, "audio");
            CommandLineTest.Result r = CommandLineTest.run("produce", "--data", "wavfolder:" + speech, "--streams", "3",
                    "--chunk-ms", "50", "--bootstrap-servers", kafka.bootstrapServers(), "--source", "t");
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(r.out()).contains("produce: chunks=" + expected + " streams=3 utterances=5")
                    .contains("topic=audio");
            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            Map<String, Long> next = new HashMap<>();
            long n = 0;
            try (KafkaConsumer<String, AudioChunk> c = new KafkaConsumer<>(p, new StringDeserializer(),
                    AvroSerde.of(AudioChunk.class).deserializer())) {
                List<TopicPartition> parts = List.of(new TopicPartition("audio", 0));
                c.assign(parts);
                c.seekToBeginning(parts);
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (n < expected && System.nanoTime() < deadline) {
                    for (ConsumerRecord<String, AudioChunk> rec : c.poll(Duration.ofMillis(300))) {
                        AudioChunk a = rec.value();
                        assertThat(rec.key()).isEqualTo(a.getStreamId());
                        assertThat(a.getSampleRate()).isEqualTo(22050);
                        long seq = next.getOrDefault(a.getStreamId(), 0L);
                        assertThat(a.getSequenceNumber()).isEqualTo(seq);
                        next.put(a.getStreamId(), seq + 1);
                        n++;
                    }
                }
            }
            assertThat(n).isEqualTo(expected);
            assertThat(next.keySet()).containsExactlyInAnyOrder("t-0", "t-1", "t-2");
        }
    }
}
