package io.contrastream.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.contrastream.flink.config.JobConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code submit} sends settings as program arguments: a secret must never be one. A literal secret is refused before
 * anything is sent (the message names the key, never the value); config provider references pass unchanged, for the
 * Kafka client to resolve on the cluster ({@link KafkaConfigProvidersTest}).
 */
class SubmitCommandTest {
    private static final String SECRET = "hunter2-do-not-print";

    @TempDir
    Path dir;

    @Test
    void aLiteralJaasPasswordInTheFileIsRefusedBeforeAnythingIsSent() throws Exception {
        Path yaml = dir.resolve("job.yaml");
        Files.writeString(yaml, """
                bootstrap-servers: kafka-1:9093
                kafka.security.protocol: SASL_SSL
                kafka.sasl.mechanism: SCRAM-SHA-512
                kafka.sasl.jaas.config: org.apache.kafka.common.security.scram.ScramLoginModule required username="cs" password="%s";
                """.formatted(SECRET));
        // port 1: nothing listens, so a request would fail with a connection error instead of the refusal
        CommandLineTest.Result r = CommandLineTest.run("submit", "--rest", "http://127.0.0.1:1", "--config", yaml.toString(),
                "--jar", yaml.toString());
        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).contains("refused").contains("kafka.sasl.jaas.config").contains("EnvVarConfigProvider")
                .doesNotContain(SECRET).doesNotContainIgnoringCase("connect");
        assertThat(r.out()).doesNotContain(SECRET);
    }

    @Test
    void aLiteralPasswordFlagIsRefused() {
        CommandLineTest.Result r = CommandLineTest.run("submit", "--rest", "http://127.0.0.1:1", "--set",
                "kafka.ssl.keystore.password=" + SECRET, "--set", "kafka.ssl.key.password=${env:KEY_PASSWORD}");
        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).contains("[kafka.ssl.keystore.password]").doesNotContain(SECRET);
    }

    @Test
    void referencesPassAsTheyAreAndLiteralsNeverReachTheArguments() {
        JobConfig refs = JobConfig.of(Map.of("kafka.config.providers", "env,dir",
                "kafka.config.providers.env.class", "org.apache.kafka.common.config.provider.EnvVarConfigProvider",
                "kafka.sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required"
                        + " username=\"cs\" password=\"${dir:/etc/contrastream/kafka-user:password}\";",
                "kafka.ssl.key.password", "${env:KEY_PASSWORD}"));
        assertThat(SubmitCommand.inlineSecrets(refs)).isEmpty();
        assertThat(SubmitCommand.programArgs(refs)).contains("--kafka.ssl.key.password", "${env:KEY_PASSWORD}");

        JobConfig whole = JobConfig.of(Map.of("kafka.sasl.jaas.config", "${env:KAFKA_JAAS}"));
        assertThat(SubmitCommand.programArgs(whole)).containsSubsequence("--kafka.sasl.jaas.config", "${env:KAFKA_JAAS}");

        JobConfig literal = JobConfig.of(Map.of("kafka.sasl.jaas.config",
                "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required clientId=\"cs\""
                        + " clientSecret=\"" + SECRET + "\";"));
        assertThat(SubmitCommand.inlineSecrets(literal)).containsExactly("kafka.sasl.jaas.config");
        assertThatThrownBy(() -> SubmitCommand.programArgs(literal)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("kafka.sasl.jaas.config").hasMessageNotContaining(SECRET);
    }

    @Test
    void theHelpShowsTheReferenceLiterallyNotTheVariable() {
        // picocli expands ${env:NAME} in descriptions: unescaped, the help would print the variable's value (or nothing)
        CommandLineTest.Result r = CommandLineTest.run("submit", "--help");
        assertThat(r.code()).isZero();
        assertThat(r.out().replaceAll("\\s+", " ")).contains("kafka.sasl.jaas.config: ${env:KAFKA_JAAS}");
    }
}
