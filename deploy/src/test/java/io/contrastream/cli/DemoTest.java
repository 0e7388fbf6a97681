package io.contrastream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end with the real components: the demo starts an in-process KRaft broker and a Flink
 * MiniCluster with RocksDB and exactly-once Kafka sinks; a read_committed consumer must see exactly
 * one embedding per record (the demo fails on a duplicate), and published versions are in the store.
 */
class DemoTest {
    @TempDir
    Path dir;

    /**
     * Also: with {@code --prometheus-port} the demo's MiniCluster serves its metrics on 127.0.0.1 while it runs (a
     * scraper polls it meanwhile), and every published version carries its training history.
     */
    @Test
    void everyStreamedRecordGetsExactlyOneCommittedEmbedding() throws Exception {
        java.util.concurrent.atomic.AtomicReference<String> scraped = new java.util.concurrent.atomic.AtomicReference<>("");
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        Thread scraper = new Thread(() -> {
            try {
                while (!done.get()) {
                    for (String body : PrometheusScrape.of(39600, 39610)) {
                        // keep every distinct metric line seen: operators come and go as the bounded job ends
                        body.lines().filter(l -> l.startsWith("flink_taskmanager_job_task_operator_")
                                && (l.contains("embeddedPerSecond") || l.contains("trainingStep")))
                                .map(l -> l.substring(0, l.indexOf('{') < 0 ? l.length() : l.indexOf('{'))
                                        + "{operator_name=\"" + l.replaceAll(".*operator_name=\"([^\"]*)\".*", "$1") + "\"}")
                                .forEach(l -> scraped.updateAndGet(all -> all.contains(l) ? all : all + l + "\n"));
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        scraper.setDaemon(true);
        scraper.start();
        CommandLineTest.Result r;
        try {
            r = CommandLineTest.run("demo", "--data", "synthetic:640", "--test-data",
                    "synthetic:200:test", "--records", "640", "--batch", "32", "--web-port", "0", "--dir", dir.toString(),
                    "--set", "publish-every=4", "--set", "queue-size=256", "--set", "checkpoint-interval-ms=500",
                    "--prometheus-port", "39600-39610");
        } finally {
            done.set(true);
            scraper.join(10_000);
        }
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(scraped.get()).as("a scrape while the demo ran").containsPattern(
                "(?m)^flink_taskmanager_job_task_operator_embeddedPerSecond\\{[^}]*operator_name=\"embed\"")
                .containsPattern("(?m)^flink_taskmanager_job_task_operator_trainingStep\\{[^}]*operator_name=\"trainer\"");
        assertThat(Files.readAllLines(dir.resolve("models/moco-v2/v5/history.jsonl")))
                .anySatisfy(l -> assertThat(l).startsWith("{\"step\":20,"));
        String last = r.out().strip().lines().reduce((a, b) -> b).orElse("");
        Matcher m = Pattern.compile("demo: records=640 embeddings=640 model_version=(\\d+) knn_top1=[01]\\.\\d{4}")
                .matcher(last);
        assertThat(m.matches()).as(last).isTrue();
        long version = Long.parseLong(m.group(1));
        if (version > 0) {
            assertThat(dir.resolve("models/moco-v2/v" + version + "/encoder.bin")).exists();
        }
        // 640 records / batch 32 = 20 steps → versions 1..5 published to the store, under the model id, which
        // defaults to the method's name
        assertThat(Files.exists(dir.resolve("models/moco-v2/v5/encoder.bin"))).isTrue();
    }

    @Test
    void everyAudioChunkGetsExactlyOneCommittedPrediction() throws Exception {
        CommandLineTest.Result r = CommandLineTest.run("demo", "--modality", "audio", "--data", "synthetic",
                "--streams", "3", "--web-port", "0", "--dir", dir.toString(), "--set", "window-samples=4000",
                "--set", "batch=4", "--set", "publish-every=2", "--set", "cpc-channels=32", "--set", "cpc-gru=32",
                "--set", "checkpoint-interval-ms=500");
        assertThat(r.code()).as(r.err()).isZero();
        String last = r.out().strip().lines().reduce((a, b) -> b).orElse("");
        Matcher m = Pattern.compile("demo: streams=3 chunks=(\\d+) predictions=(\\d+) model_version=(\\d+)"
                + " speaker_probe=[01]\\.\\d{4}").matcher(last);
        assertThat(m.matches()).as(last).isTrue();
        assertThat(m.group(2)).isEqualTo(m.group(1));
        long version = Long.parseLong(m.group(3));
        assertThat(version).isPositive();
        assertThat(dir.resolve("models/cpc/v" + version + "/encoder.bin")).exists();
    }
}
