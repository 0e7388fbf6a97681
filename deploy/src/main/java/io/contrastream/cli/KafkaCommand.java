package io.contrastream.cli;

import io.contrastream.kafka.EmbeddedKafka;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code contrastream kafka}: a real single-node Kafka broker (KRaft) as its own process, until stopped. */
@Command(name = "kafka", mixinStandardHelpOptions = true,
        description = "Run a single-node Kafka broker (KRaft, 127.0.0.1) in this process until interrupted.")
final class KafkaCommand implements Callable<Integer> {
    @Option(names = "--dir", required = true, description = "data directory (kept between runs)")
    Path dir;

    @Option(names = "--port", description = "broker port (default ${DEFAULT-VALUE})", defaultValue = "9092")
    int port;

    // the audio job's topics too: the broker does not create topics on first use, so `produce --data wavfolder:DIR`
    // and `--method cpc` need them from the start
    @Option(names = "--topics", split = ",", description = "topics to create (default ${DEFAULT-VALUE})",
            defaultValue = "images,embeddings,dead-letters,model-versions,quality,audio,cpc-predictions")
    List<String> topics;

    @Option(names = "--partitions", description = "partitions per created topic (default ${DEFAULT-VALUE})",
            defaultValue = "2")
    int partitions;

    @Override
    public Integer call() throws Exception {
        EmbeddedKafka kafka = EmbeddedKafka.start(dir, port);
        kafka.createTopics(partitions, topics.toArray(String[]::new));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            kafka.close();
            stopped.countDown();
        }));
        System.out.println("kafka: broker ready at " + kafka.bootstrapServers() + " topics " + topics
                + " (Ctrl-C to stop)");
        stopped.await();
        return 0;
    }
}
