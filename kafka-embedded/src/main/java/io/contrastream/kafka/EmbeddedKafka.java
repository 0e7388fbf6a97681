package io.contrastream.kafka;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Time;

/**
 * A real Kafka broker (KRaft, combined broker + controller, no ZooKeeper) in this JVM, bound to
 * 127.0.0.1, for the demo and the tests.
 *
 * <pre>{@code
 * try (EmbeddedKafka kafka = EmbeddedKafka.start(dir, 0)) {      // 0 = a free port
 *     kafka.createTopics(2, "images", "embeddings");
 *     String bootstrap = kafka.bootstrapServers();
 * }
 * }</pre>
 *
 * <p>Replication factors and min.isr of the internal topics are 1 so exactly-once transactions
 * work on a single node. Every size limit is Kafka's default ({@code message.max.bytes} 1 MiB + 12 bytes),
 * so what the job writes here fits any broker run at the defaults; a topic that must hold larger
 * input records gets its own {@code max.message.bytes} ({@link #createTopic}). Starting again on a folder a closed broker used restarts that broker: same
 * ports, same logs and transactions (the broker-restart test).
 */
public final class EmbeddedKafka implements AutoCloseable {
    private final KafkaRaftServer server;
    private final int port;

    private EmbeddedKafka(KafkaRaftServer server, int port) {
        this.server = server;
        this.port = port;
    }

    public static EmbeddedKafka start(Path dir, int port) throws IOException {
        return start(dir, port, Map.of());
    }

    /** With broker properties of {@code overrides} over the defaults (used on the first start of {@code dir}). */
    public static EmbeddedKafka start(Path dir, int port, Map<String, String> overrides) throws IOException {
        Path propsFile = dir.resolve("server.properties");
        if (Files.isRegularFile(propsFile)) { // a restart: same ports, same log directories, same cluster
            Properties p = new Properties();
            try (var in = Files.newInputStream(propsFile)) {
                p.load(in);
            }
            KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(p, false), Time.SYSTEM);
            server.startup();
            String listener = p.getProperty("advertised.listeners");
            return new EmbeddedKafka(server, Integer.parseInt(listener.substring(listener.lastIndexOf(':') + 1)));
        }
        int brokerPort = port > 0 ? port : freePort();
        int controllerPort = freePort();
        Files.createDirectories(dir);
        Properties p = new Properties();
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", "1");
        p.setProperty("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.setProperty("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.setProperty("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
        p.setProperty("controller.listener.names", "CONTROLLER");
        p.setProperty("inter.broker.listener.name", "PLAINTEXT");
        p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.setProperty("log.dirs", dir.resolve("logs").toString());
        p.setProperty("num.partitions", "1");
        p.setProperty("offsets.topic.replication.factor", "1");
        p.setProperty("offsets.topic.num.partitions", "1");
        p.setProperty("transaction.state.log.replication.factor", "1");
        p.setProperty("transaction.state.log.min.isr", "1");
        p.setProperty("transaction.state.log.num.partitions", "1");
        p.setProperty("share.coordinator.state.topic.replication.factor", "1");
        p.setProperty("share.coordinator.state.topic.min.isr", "1");
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        p.setProperty("transaction.max.timeout.ms", "900000");
        p.setProperty("auto.create.topics.enable", "false");
        overrides.forEach(p::setProperty);
        try (OutputStream out = Files.newOutputStream(propsFile)) {
            p.store(out, "contrastream embedded broker");
        }
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        StorageTool.execute(new String[] {"format", "-t", Uuid.randomUuid().toString(), "-c", propsFile.toString(),
                "--ignore-formatted"}, quiet);
        KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(p, false), Time.SYSTEM);
        server.startup();
        return new EmbeddedKafka(server, brokerPort);
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /** Creates the topics (if absent) and waits until they exist. */
    public void createTopics(int partitions, String... topics) throws IOException {
        createTopics(partitions, Map.of(), topics);
    }

    /** Creates one topic with topic-level configs (e.g. {@code max.message.bytes}) and waits until it exists. */
    public void createTopic(String topic, int partitions, Map<String, String> configs) throws IOException {
        createTopics(partitions, configs, topic);
    }

    private void createTopics(int partitions, Map<String, String> configs, String... topics) throws IOException {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "60000"))) {
            List<NewTopic> list = new ArrayList<>();
            for (String t : topics) {
                list.add(new NewTopic(t, partitions, (short) 1).configs(configs));
            }
            try {
                admin.createTopics(list).all().get();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new IOException("cannot create topics " + List.of(topics) + ": " + e.getCause(), e);
                }
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!admin.listTopics().names().get().containsAll(Set.of(topics))) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("topics " + List.of(topics) + " did not appear within 60 s");
                }
                Thread.sleep(100);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while creating topics", e);
        } catch (ExecutionException e) {
            throw new IOException("cannot list topics: " + e.getCause(), e);
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
    }
}
