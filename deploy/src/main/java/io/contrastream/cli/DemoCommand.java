package io.contrastream.cli;

import io.contrastream.connectors.format.AvroCodec;
import io.contrastream.connectors.format.FormatException;
import io.contrastream.connectors.format.avro.Embedding;
import io.contrastream.flink.config.JobConfig;
import io.contrastream.flink.config.JobParams;
import io.contrastream.flink.job.StreamingJob;
import io.contrastream.flink.store.ModelStore;
import io.contrastream.kafka.EmbeddedKafka;
import io.contrastream.model.data.ImageSet;
import io.contrastream.model.eval.Features;
import io.contrastream.model.eval.KnnClassifier;
import io.contrastream.model.serving.EncoderModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code contrastream demo}: everything embedded — a KRaft broker, a Flink MiniCluster with RocksDB
 * and exactly-once checkpoints — streams images in, trains online, reads the embeddings back with a
 * read_committed consumer, and evaluates the streamed model with kNN on the test split.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run the online pretraining job end to end on an embedded Kafka broker and Flink MiniCluster."
                + " The last line is: demo: records=N embeddings=N model_version=V knn_top1=0.xxxx")
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--data", description = "training stream source; fashion-mnist-spoken:FM:train:SPEECH_DIR sends each"
            + " image with its spoken class name (for cmc-views=intensity,audio) (default ${DEFAULT-VALUE})",
            defaultValue = "fashion-mnist:" + DataOptions.DEFAULT_FASHION + ":train")
    String data;

    @Option(names = "--test-data", description = "kNN evaluation set (default ${DEFAULT-VALUE})",
            defaultValue = "fashion-mnist:" + DataOptions.DEFAULT_FASHION + ":test")
    String testData;

    @Option(names = "--records", description = "records to stream; 0 = the whole data set (default ${DEFAULT-VALUE})",
            defaultValue = "0")
    int records;

    // the options named after a setting take their defaults from its declaration (the job's, the method's)
    @Option(names = "--method", description = "recipe (default: the job setting method's)")
    String method;

    @Option(names = "--batch", description = "training batch (default: the method's batch)")
    Integer batch;

    @Option(names = "--web-port", description = "Flink web UI port on 127.0.0.1 (default ${DEFAULT-VALUE})",
            defaultValue = "8081")
    int webPort;

    @Option(names = "--prometheus-port", description = "serve the job's metrics for Prometheus on 127.0.0.1 at this port"
            + " or range, e.g. 9249 (default: off)")
    String prometheusPort;

    @Option(names = "--dir", description = "working directory for the broker, checkpoints and model store"
            + " (default: a new temporary directory)")
    Path dir;

    @Option(names = "--set", description = "job or recipe setting KEY=VALUE (repeatable)", mapFallbackValue = "")
    Map<String, String> overrides = new LinkedHashMap<>();

    @Option(names = "--modality", description = "image (default) or audio: CPC on live speech streams; its last line"
            + " is: demo: streams=S chunks=N predictions=N model_version=V speaker_probe=0.xxxx", defaultValue = "image")
    String modality;

    @Option(names = "--streams", description = "audio: concurrent streams (default ${DEFAULT-VALUE})", defaultValue = "8")
    int streams;

    @Option(names = "--verbose", description = "also print the broker's, Flink's, DJL's and libtorch's warnings and"
            + " the job's own log (default: only the demo's lines and errors; or set CONTRASTREAM_VERBOSE=1;"
            + " CONTRASTREAM_LOG_LEVEL=info for their INFO lines too)")
    boolean verbose;

    @Override
    public Integer call() throws Exception {
        long start = System.nanoTime();
        // the console is the demo's: its own lines, errors and warnings of the job; the rest behind --verbose
        EmbeddedRun.console(verbose, org.apache.logging.log4j.Level.WARN);
        Path work = dir != null ? dir : Files.createTempDirectory("contrastream-demo");
        if (modality.equals("audio")) {
            boolean defaultData = data.startsWith("fashion-mnist:");
            return AudioDemo.run(work, defaultData ? null : data, streams, overrides, webPort);
        }
        if (!modality.equals("image")) {
            throw new IllegalArgumentException("--modality is image or audio, got " + modality);
        }
        Map<String, String> methodSettings = new LinkedHashMap<>(overrides);
        if (method != null) {
            methodSettings.put("method", method);
        }
        JobConfig shape = JobConfig.of(methodSettings); // the method's keys are only known with the method
        int channels = shape.get(JobParams.CHANNELS);
        int size = shape.get(JobParams.IMAGE_SIZE);
        ImageSet train;
        java.util.List<float[]> audio = null; // one utterance per image when the data carries speech
        if (io.contrastream.model.data.SpokenImageSpec.matches(data)) {
            io.contrastream.model.data.SpokenImages spoken = DataOptions.readSpoken(data, channels, size, records,
                    JobConfig.of(methodSettings).get(io.contrastream.model.method.RecipeParams.SEED));
            train = spoken.images();
            audio = spoken.audioPerImage();
        } else {
            JobConfig m = JobConfig.of(methodSettings);
            if (m.spec().audioView(m.recipeParams()) >= 0) {
                throw new IllegalArgumentException("cmc-views with audio trains on image + audio pairs: use --data "
                        + io.contrastream.model.data.SpokenImageSpec.FORM + " (speech from `contrastream make-speech"
                        + " --vocabulary fashion-mnist --out SPEECH_DIR`)");
            }
            train = DataOptions.read(data, channels, size, records);
        }
        ImageSet test = DataOptions.read(testData, channels, size, 0);
        java.util.List<float[]> trainAudio = audio;
        int n = train.size();
        System.err.printf(Locale.ROOT, "demo: %d records from %s, working directory %s%n", n, data, work);
        try (EmbeddedKafka kafka = EmbeddedKafka.start(work.resolve("kafka"), 0)) {
            Map<String, String> settings = new LinkedHashMap<>();
            if (method != null) {
                settings.put("method", method);
            }
            if (batch != null) {
                settings.put("batch", String.valueOf(batch));
            }
            settings.putAll(overrides);
            JobConfig cfg = EmbeddedRun.config(settings, kafka, work, "demo");
            kafka.createTopics(2, StreamingJob.topics(cfg));
            System.err.println("demo: Kafka broker (KRaft) at " + kafka.bootstrapServers());

            AtomicLong produced = new AtomicLong();
            Thread producer = new Thread(() -> {
                try {
                    ImageProducer.send(kafka.bootstrapServers(), cfg.get(JobParams.IMAGES_TOPIC), train, trainAudio,
                            "train", 0, produced, 0);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "demo-producer");
            producer.setDaemon(true);
            producer.start();

            JobClient job = EmbeddedRun.startWithWebUi(cfg, webPort, prometheusPort, "contrastream-demo");
            System.err.println("demo: Flink web UI at " + (webPort > 0 ? "http://127.0.0.1:" + webPort
                    : "a free port on 127.0.0.1 (--web-port 0)") + " (job " + job.getJobID() + ")");

            long[] result = consume(kafka.bootstrapServers(), cfg.get(JobParams.EMBEDDINGS_TOPIC), n, produced, start);
            job.cancel().get();
            long embeddings = result[0];
            long version = result[1];
            double knn = evaluate(cfg, version, train, test);
            System.err.printf(Locale.ROOT, "demo: finished in %.0f s%n", (System.nanoTime() - start) / 1e9);
            System.out.printf(Locale.ROOT, "demo: records=%d embeddings=%d model_version=%d knn_top1=%.4f%n", n,
                    embeddings, version, knn);
        }
        return 0;
    }


    /**
     * Reads committed embeddings until every record has one (or nothing new arrives for 3 minutes);
     * returns {distinct embeddings, newest model version}.
     */
    private static long[] consume(String bootstrap, String topic, int n, AtomicLong produced, long start)
            throws FormatException {
        AvroCodec<Embedding> codec = AvroCodec.of(Embedding.class);
        Set<String> seen = new HashSet<>();
        long duplicates = 0;
        long version = -1;
        long lastPrint = 0;
        long lastProgress = System.nanoTime();
        try (KafkaConsumer<byte[], byte[]> consumer = EmbeddedRun.fromStart(bootstrap, topic, "read_committed")) {
            while (seen.size() < n) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    Embedding e = codec.decode(r.value());
                    if (!seen.add(e.getRecordId())) {
                        duplicates++;
                    } else {
                        lastProgress = System.nanoTime();
                    }
                    version = Math.max(version, e.getModelVersion());
                }
                long now = System.nanoTime();
                if (now - lastProgress > 180_000_000_000L) {
                    System.err.println("demo: no new embedding for 3 minutes; stopping with " + seen.size() + " of " + n);
                    break;
                }
                if (now - lastPrint > 2_000_000_000L || seen.size() == n) {
                    lastPrint = now;
                    double secs = (now - start) / 1e9;
                    System.err.printf(Locale.ROOT, "demo: %4.0f s  records in %d/%d  embeddings %d  model version %d"
                            + "  %.0f embeddings/s%n", secs, produced.get(), n, seen.size(), version, seen.size() / secs);
                }
            }
        }
        if (duplicates > 0) {
            throw new IllegalStateException(duplicates + " duplicate embeddings: exactly-once violated");
        }
        return new long[] {seen.size(), version};
    }

    /** kNN of the test split against the streamed training images, both embedded by the newest version. */
    private double evaluate(JobConfig cfg, long version, ImageSet train, ImageSet test) throws Exception {
        try (EncoderModel model = EncoderModel.forRecipe(cfg.method(), cfg.recipeParams(), cfg.encoderConfig(), null)) {
            if (version > 0) {
                model.importEncoder(ModelStore.readEncoder(
                        ModelStore.versionUri(cfg.get(JobParams.MODEL_STORE), cfg.get(JobParams.MODEL_ID), version)));
            }
            int classes = 10;
            return KnnClassifier.top1(Features.encoder(model, train, 500), train.labels(),
                    Features.encoder(model, test, 500), test.labels(), 200, 0.07, classes);
        }
    }
}
