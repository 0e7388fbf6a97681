package io.contrastream.cli;

import io.contrastream.model.data.ImageSet;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code contrastream produce}: sends an image set to a Kafka topic as PNG {@code ImageRecord}s. */
@Command(name = "produce", mixinStandardHelpOptions = true,
        description = "Send images to Kafka as Avro ImageRecords (PNG), keyed by record id.")
final class ProduceCommand implements Callable<Integer> {
    @Option(names = "--data", description = "SPEC as in pretrain (default ${DEFAULT-VALUE})",
            defaultValue = "fashion-mnist:" + DataOptions.DEFAULT_FASHION + ":train")
    String data;

    @Option(names = "--topic", description = "topic (default ${DEFAULT-VALUE})", defaultValue = "images")
    String topic;

    @Option(names = "--bootstrap-servers", description = "Kafka (default ${DEFAULT-VALUE})",
            defaultValue = "127.0.0.1:9092")
    String bootstrap;

    @Option(names = "--rate", description = "records per second (0 = as fast as possible)", defaultValue = "0")
    double rate;

    @Option(names = "--limit", description = "send only the first N images (0 = all)", defaultValue = "0")
    int limit;

    @Option(names = "--source", description = "source name stamped on the records (default ${DEFAULT-VALUE})",
            defaultValue = "contrastream-produce")
    String source;

    @Override
    public Integer call() throws Exception {
        ImageSet set = DataOptions.read(data, 1, 28, limit);
        long start = System.nanoTime();
        ImageProducer.send(bootstrap, topic, set, source, rate, new AtomicLong());
        double secs = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "produce: records=%d topic=%s seconds=%.1f%n", set.size(), topic, secs);
        return 0;
    }
}
