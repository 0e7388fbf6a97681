package io.contrastream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.contrastream.codecs.AudioDecoder;
import io.contrastream.codecs.AudioLimits;
import io.contrastream.connectors.format.avro.ImageRecord;
import io.contrastream.connectors.kafka.AvroSerde;
import io.contrastream.kafka.EmbeddedKafka;
import io.contrastream.model.data.audio.Utterances;
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
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CMC's image + audio pair through the command line: make-speech's Fashion-MNIST vocabulary, pretrain on
 * fashion-mnist-spoken data, eval of the image side, the cross-modal retrieval line, and produce of paired
 * records (needs Debian's espeak-ng and dataset-fashion-mnist).
 */
class CrossModalCommandsTest {
    static final String FASHION = "/usr/share/datasets/fashion-mnist";

    @TempDir
    Path dir;

    @BeforeEach
    void needsEspeakAndFashionMnist() {
        Assumptions.assumeTrue(Files.isExecutable(Path.of(MakeSpeechCommand.ESPEAK)), "espeak-ng is not installed");
        Assumptions.assumeTrue(Files.isDirectory(Path.of(FASHION)), "Fashion-MNIST is not installed");
    }

    Path speech() {
        Path out = dir.resolve("fm-speech");
        CommandLineTest.Result r = CommandLineTest.run("make-speech", "--out", out.toString(), "--vocabulary",
                "fashion-mnist", "--speakers", "4", "--per-word", "1");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("make-speech: speakers=4 words=10 utterances=40");
        return out;
    }

    @Test
    void pretrainEvalAndRetrievalOnSpokenFashionMnist() throws Exception {
        Path speech = speech();
        Utterances u = WavFolderReader.read(speech);
        assertThat(u.words()).containsExactlyInAnyOrder("T-shirt", "trouser", "pullover", "dress", "coat", "sandal",
                "shirt", "sneaker", "bag", "ankle_boot");
        Path model = dir.resolve("model");
        String train = "fashion-mnist-spoken:" + FASHION + ":train:" + speech + "@0:64";
        CommandLineTest.Result pre = CommandLineTest.run("pretrain", "--method", "cmc", "--set",
                "cmc-views=intensity,audio", "--data", train, "--epochs", "1", "--batch", "32", "--out", model.toString());
        assertThat(pre.code()).as(pre.err()).isZero();
        assertThat(pre.out()).contains("pretrain: method=cmc steps=2 skipped=0");

        CommandLineTest.Result imagesOnly = CommandLineTest.run("pretrain", "--method", "cmc", "--set",
                "cmc-views=intensity,audio", "--data", "fashion-mnist:" + FASHION + ":train@0:64", "--batch", "32",
                "--out", dir.resolve("no").toString());
        assertThat(imagesOnly.code()).isNotZero();
        assertThat(imagesOnly.err()).contains("fashion-mnist-spoken:");
        CommandLineTest.Result demoImagesOnly = CommandLineTest.run("demo", "--records", "64", "--method", "cmc",
                "--set", "cmc-views=intensity,audio", "--data", "fashion-mnist:" + FASHION + ":train");
        assertThat(demoImagesOnly.code()).isNotZero(); // refused before any broker starts: it would train on nothing
        assertThat(demoImagesOnly.err()).contains("fashion-mnist-spoken:");

        CommandLineTest.Result eval = CommandLineTest.run("eval", "--model", model.toString(), "--train-data",
                "fashion-mnist:" + FASHION + ":train@0:200", "--test-data", "fashion-mnist:" + FASHION + ":test@0:100",
                "--k", "20", "--probe-epochs", "2");
        assertThat(eval.code()).as(eval.err()).isZero();
        assertThat(eval.out().strip().lines().reduce((a, b) -> b).orElse(""))
                .matches("knn_top1=[01]\\.\\d{4} linear_top1=[01]\\.\\d{4} raw_knn_top1=[01]\\.\\d{4} random_knn_top1=[01]\\.\\d{4}");

        CommandLineTest.Result xm = CommandLineTest.run("cross-modal-eval", "--model", model.toString(), "--data",
                "fashion-mnist-spoken:" + FASHION + ":test:" + speech, "--limit", "100");
        assertThat(xm.code()).as(xm.err()).isZero();
        assertThat(xm.out().strip()).matches("cross_modal: audio_to_image_top1=[01]\\.\\d{4} image_to_audio_top1=[01]\\.\\d{4}"
                + " random_audio_to_image_top1=[01]\\.\\d{4} random_image_to_audio_top1=[01]\\.\\d{4} chance=0\\.1000"
                + " utterances=10 speakers=1 images=100");
    }

    @Test
    void producePairsEachImageWithAnUtteranceOfItsClass() throws Exception {
        Path speech = speech();
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"), 0)) {
            kafka.createTopics(1, "pairs");
            CommandLineTest.Result r = CommandLineTest.run("produce", "--data", "fashion-mnist-spoken:" + FASHION
                    + ":train:" + speech, "--topic", "pairs", "--bootstrap-servers", kafka.bootstrapServers(),
                    "--limit", "20");
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(r.out()).contains("produce: records=20 topic=pairs");
            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            Map<String, ImageRecord> got = new HashMap<>();
            try (KafkaConsumer<String, ImageRecord> c = new KafkaConsumer<>(p, new StringDeserializer(),
                    AvroSerde.of(ImageRecord.class).deserializer())) {
                List<TopicPartition> parts = List.of(new TopicPartition("pairs", 0));
                c.assign(parts);
                c.seekToBeginning(parts);
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (got.size() < 20 && System.nanoTime() < deadline) {
                    for (ConsumerRecord<String, ImageRecord> rec : c.poll(Duration.ofMillis(300))) {
                        got.put(rec.key(), rec.value());
                    }
                }
            }
            assertThat(got).hasSize(20);
            for (ImageRecord rec : got.values()) {
                assertThat(rec.getAudio()).as(rec.getId()).isNotNull();
                assertThat(rec.getAudio().getSampleRate()).isEqualTo(16000);
                assertThat(AudioDecoder.toMono(rec.getAudio(), AudioLimits.DEFAULT).length).isGreaterThan(1600);
            }
        }
    }
}
