package io.contrastream.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.contrastream.flink.config.JobConfig;
import io.contrastream.flink.config.JobParams;
import io.contrastream.flink.job.StreamingJob;
import io.contrastream.model.method.RecipeParams;
import io.contrastream.model.optim.OptimizerParams;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** YAML plus flags, validated at start; errors name the key and the fix. */
class JobConfigTest {
    @TempDir
    Path dir;

    @Test
    void yamlThenFlagsWithMethodDefaults() throws Exception {
        Path yaml = dir.resolve("job.yaml");
        Files.writeString(yaml, "method: simclr\nbatch: 64\nbootstrap-servers: k1:9092,k2:9092\nlr: 0.3\n");
        JobConfig cfg = JobConfig.load(yaml, Map.of("lr", "0.1"));
        assertThat(cfg.method()).isEqualTo("simclr");
        assertThat(cfg.get(OptimizerParams.BATCH)).isEqualTo(64);
        assertThat(cfg.get(OptimizerParams.LR)).isEqualTo(0.1);
        assertThat(cfg.get(RecipeParams.TEMPERATURE)).isEqualTo(0.5); // simclr's default
        assertThat(cfg.get(JobParams.BOOTSTRAP_SERVERS)).isEqualTo("k1:9092,k2:9092");
        assertThat(cfg.get(JobParams.IMAGES_TOPIC)).isEqualTo("images");
        assertThat(cfg.device()).isEqualTo(null);
    }

    @Test
    void aMethodTakesOnlyItsOwnKeysAndItsModalityChoosesTheTopology() {
        assertThatThrownBy(() -> JobConfig.of(Map.of("method", "moco-v2", "prototypes", "10")))
                .hasMessageContaining("unknown config key 'prototypes': moco-v2 has no parameter 'prototypes'")
                .hasMessageContaining("queue-size");
        assertThat(JobConfig.of(Map.of("method", "swav", "prototypes", "10")).get(RecipeParams.PROTOTYPES)).isEqualTo(10);
        assertThatThrownBy(() -> JobConfig.of(Map.of("method", "cpc", "temperature", "0.1")))
                .hasMessageContaining("cpc has no parameter 'temperature'");
        assertThat(StreamingJob.topics(JobConfig.of(Map.of("method", "cpc")))).contains("audio", "cpc-predictions");
        assertThat(StreamingJob.topics(JobConfig.of(Map.of("method", "cmc", "cmc-views", "intensity,audio"))))
                .containsExactly("images", "embeddings", "dead-letters", "model-versions", "quality");
    }

    @Test
    void badKeysAndValuesAreNamed() throws Exception {
        assertThatThrownBy(() -> JobConfig.of(Map.of("batchsize", "64"))).hasMessageContaining("unknown config key 'batchsize'")
                .hasMessageContaining("batch");
        assertThatThrownBy(() -> JobConfig.of(Map.of("batch", "-3"))).hasMessageContaining("'batch'")
                .hasMessageContaining("allowed");
        assertThatThrownBy(() -> JobConfig.of(Map.of("method", "mocov9"))).hasMessageContaining("'method'")
                .hasMessageContaining("moco-v2");
        assertThatThrownBy(() -> JobConfig.of(Map.of("model-store", "/no/scheme"))).hasMessageContaining("'model-store'")
                .hasMessageContaining("file:///");
        if (ai.djl.engine.Engine.getInstance().getGpuCount() == 0) {
            assertThatThrownBy(() -> JobConfig.of(Map.of("device", "gpu")).device()).hasMessageContaining("'device'")
                    .hasMessageContaining("auto or cpu");
        }
        assertThatThrownBy(() -> JobConfig.of(Map.of("method", "dino", "encoder", "vit-tiny", "local-crop-size", "12")))
                .hasMessageContaining("local-crop-size=7"); // small crops of whole patches, refused at submission
        assertThatThrownBy(() -> JobConfig.of(Map.of("method", "swav", "batch", "64", "swav-queue", "32")))
                .hasMessageContaining("swav-queue 32");
        Path yaml = dir.resolve("nested.yaml");
        Files.writeString(yaml, "method:\n  name: simclr\n");
        assertThatThrownBy(() -> JobConfig.load(yaml, Map.of())).hasMessageContaining("'method'");
        assertThatThrownBy(() -> JobConfig.load(dir.resolve("missing.yaml"), Map.of())).hasMessageContaining("does not exist");
    }
    @Test
    void kafkaClientPropertiesPassThroughToSourceAndSinks() throws Exception {
        Path yaml = dir.resolve("secure.yaml");
        Files.writeString(yaml, """
                bootstrap-servers: kafka:9093
                kafka.security.protocol: SASL_SSL
                kafka.sasl.mechanism: SCRAM-SHA-512
                kafka.ssl.truststore.location: /etc/kafka/ca.p12
                """);
        JobConfig cfg = JobConfig.load(yaml, Map.of("kafka.ssl.truststore.type", "PKCS12"));
        java.util.Properties p = cfg.kafkaProperties();
        assertThat(p).containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                .containsEntry("ssl.truststore.location", "/etc/kafka/ca.p12").containsEntry("ssl.truststore.type", "PKCS12")
                .hasSize(4);
        assertThat(cfg.get(io.contrastream.flink.config.JobParams.BOOTSTRAP_SERVERS)).isEqualTo("kafka:9093");
        assertThat(JobConfig.of(Map.of()).kafkaProperties()).isEmpty();
        assertThatThrownBy(() -> JobConfig.of(Map.of("kafka.", "x")).recipeParams())
                .hasMessageContaining("unknown config key 'kafka.'").hasMessageContaining("kafka.<property>");
    }

    /** Two jobs started with the defaults (an image job and the audio job) share no group, model id or store path. */
    @Test
    void imageAndAudioJobsDoNotCollideByDefault() {
        JobConfig image = JobConfig.of(Map.of());
        JobConfig audio = JobConfig.of(Map.of("method", "cpc"));
        assertThat(image.get(JobParams.GROUP_ID)).isEqualTo("contrastream-moco-v2");
        assertThat(audio.get(JobParams.GROUP_ID)).isEqualTo("contrastream-cpc");
        assertThat(image.get(JobParams.MODEL_ID)).isEqualTo("moco-v2");
        assertThat(audio.get(JobParams.MODEL_ID)).isEqualTo("cpc");
        assertThat(JobConfig.of(Map.of("method", "simclr", "model-id", "m1", "group-id", "g1")).get(JobParams.GROUP_ID))
                .isEqualTo("g1");
    }

    /** State defaults are under the user's home (or XDG_STATE_HOME), never under the world-writable /tmp. */
    @Test
    void stateIsNotUnderTmpByDefault() {
        JobConfig cfg = JobConfig.of(Map.of());
        assertThat(cfg.get(JobParams.MODEL_STORE)).startsWith("file:/").doesNotContain("/tmp/").endsWith(
                "contrastream/models");
        assertThat(cfg.get(JobParams.CHECKPOINT_DIR)).doesNotContain("/tmp/").endsWith("contrastream/checkpoints");
    }

    /** A checkpoint interval that a transaction cannot outlive is refused, naming both settings. */
    @Test
    void checkpointIntervalMustFitTheTransactionTimeout() {
        assertThatThrownBy(() -> JobConfig.of(Map.of("checkpoint-interval-ms", "300000")))
                .hasMessageContaining("'checkpoint-interval-ms' (300000)").hasMessageContaining("transaction-timeout-ms");
        assertThat(JobConfig.of(Map.of("checkpoint-interval-ms", "300000", "transaction-timeout-ms", "1200000"))
                .get(JobParams.TRANSACTION_TIMEOUT_MS)).isEqualTo(1_200_000L);
        assertThatThrownBy(() -> JobConfig.of(Map.of("dead-letter-max-raw-bytes", "2000000")))
                .hasMessageContaining("max-output-bytes");
    }

    /** Secrets never reach a log line through the configuration's text. */
    @Test
    void secretsAreRedacted() {
        JobConfig cfg = JobConfig.of(Map.of("kafka.sasl.jaas.config", "org.x.Plain required password=\"hunter2\";",
                "kafka.ssl.keystore.password", "s3cret", "kafka.security.protocol", "SASL_SSL"));
        assertThat(cfg.toString()).doesNotContain("hunter2").doesNotContain("s3cret").contains("SASL_SSL")
                .contains("[hidden]");
        assertThat(cfg.kafkaProperties().getProperty("ssl.keystore.password")).isEqualTo("s3cret");
    }

    /** The embedded job's local checkpoint folder is created owner-only (0700), like the model store. */
    @Test
    void localCheckpointFolderIsOwnerOnly() throws Exception {
        Path ck = dir.resolve("state/ck");
        io.contrastream.flink.job.PretrainJob.environment(JobConfig.of(Map.of("checkpoint-dir", ck.toUri().toString())));
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(ck)))
                .isEqualTo("rwx------");
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(dir.resolve("state")))).isEqualTo("rwx------");
    }
}
