package io.contrastream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.contrastream.flink.config.JobConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code submit} tells users to do with secrets works: the job hands its {@code kafka.*} keys to the Kafka
 * 4.2 clients as they are ({@link JobConfig#kafkaProperties()}), and the clients' own config classes resolve
 * {@code ${env:VAR}}, {@code ${dir:DIR:FILE}} and {@code ${file:PROPERTIES:KEY}} references, also inside a JAAS
 * string. The form {@code ${file:/path/to/password}} (no key) is not a reference Kafka resolves: it stays literal.
 */
class KafkaConfigProvidersTest {
    private static final String SCRAM = "org.apache.kafka.common.security.scram.ScramLoginModule required"
            + " username=\"contrastream\" password=\"%s\";";

    @TempDir
    Path dir;

    @Test
    void anEnvironmentVariableIsResolvedByProducerConsumerAndAdminConfigs() {
        String home = System.getenv("HOME"); // any variable the test JVM surely has
        Map<String, String> s = base();
        s.put("kafka.config.providers", "env");
        s.put("kafka.config.providers.env.class", "org.apache.kafka.common.config.provider.EnvVarConfigProvider");
        s.put("kafka.sasl.jaas.config", SCRAM.formatted("${env:HOME}"));
        Properties p = JobConfig.of(s).kafkaProperties();
        assertThat(jaas(p)).isEqualTo(SCRAM.formatted(home));
    }

    @Test
    void aMountedSecretFileIsResolvedByTheDirectoryProvider() throws Exception {
        Path secrets = Files.createDirectories(dir.resolve("kafka-user"));
        Files.writeString(secrets.resolve("password"), "s3cret-from-a-file");
        Files.writeString(secrets.resolve("sasl.jaas.config"), SCRAM.formatted("whole-jaas-from-a-file"));
        Map<String, String> s = base();
        s.put("kafka.config.providers", "dir");
        s.put("kafka.config.providers.dir.class", "org.apache.kafka.common.config.provider.DirectoryConfigProvider");
        s.put("kafka.config.providers.dir.param.allowed.paths", dir.toString());
        s.put("kafka.sasl.jaas.config", SCRAM.formatted("${dir:" + secrets + ":password}"));
        assertThat(jaas(JobConfig.of(s).kafkaProperties())).isEqualTo(SCRAM.formatted("s3cret-from-a-file"));
        s.put("kafka.sasl.jaas.config", "${dir:" + secrets + ":sasl.jaas.config}");
        assertThat(jaas(JobConfig.of(s).kafkaProperties())).isEqualTo(SCRAM.formatted("whole-jaas-from-a-file"));
    }

    @Test
    void aPropertiesFileIsResolvedByTheFileProviderButAPathAloneIsNot() throws Exception {
        Path props = dir.resolve("kafka-secrets.properties");
        Files.writeString(props, "password=s3cret-from-properties\n");
        Map<String, String> s = base();
        s.put("kafka.config.providers", "file");
        s.put("kafka.config.providers.file.class", "org.apache.kafka.common.config.provider.FileConfigProvider");
        s.put("kafka.sasl.jaas.config", SCRAM.formatted("${file:" + props + ":password}"));
        assertThat(jaas(JobConfig.of(s).kafkaProperties())).isEqualTo(SCRAM.formatted("s3cret-from-properties"));
        // ${file:/path} has no key: Kafka leaves it as it is (the password would be the literal text)
        Path plain = Files.writeString(dir.resolve("password"), "s3cret");
        s.put("kafka.sasl.jaas.config", SCRAM.formatted("${file:" + plain + "}"));
        assertThat(jaas(JobConfig.of(s).kafkaProperties())).isEqualTo(SCRAM.formatted("${file:" + plain + "}"));
    }

    private static Map<String, String> base() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("kafka.security.protocol", "SASL_SSL");
        s.put("kafka.sasl.mechanism", "SCRAM-SHA-512");
        return s;
    }

    /** The JAAS config as each client would use it, checked equal across producer, consumer and admin client. */
    private static String jaas(Properties kafka) {
        Properties p = new Properties();
        p.putAll(kafka);
        p.put("bootstrap.servers", "127.0.0.1:9092");
        Properties prod = (Properties) p.clone();
        prod.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        prod.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        Properties cons = (Properties) p.clone();
        cons.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        cons.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        String producer = new ProducerConfig(prod).getPassword(SaslConfigs.SASL_JAAS_CONFIG).value();
        assertThat(new ConsumerConfig(cons).getPassword(SaslConfigs.SASL_JAAS_CONFIG).value()).isEqualTo(producer);
        assertThat(new AdminClientConfig(p).getPassword(SaslConfigs.SASL_JAAS_CONFIG).value()).isEqualTo(producer);
        return producer;
    }
}
