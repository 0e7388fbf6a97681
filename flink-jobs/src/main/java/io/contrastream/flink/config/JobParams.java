package io.contrastream.flink.config;

import io.contrastream.model.method.registry.Recipes;
import io.contrastream.model.param.Param;
import java.util.List;

/**
 * The streaming job's own settings, declared once (the recipe's are in {@code RecipeParams}).
 *
 * <pre>{@code
 * JobConfig cfg = JobConfig.load(Path.of("job.yaml"), Map.of("batch", "128"));
 * String topic = cfg.get(JobParams.IMAGES_TOPIC);
 * }</pre>
 */
public final class JobParams {
    private JobParams() {}

    public static final Param<String> METHOD = Param.ofChoice("method",
            "training recipe: an image method, or an audio one (the job then reads audio-topic instead of images-topic)",
            Recipes.DEFAULT.name(), Recipes.METHODS.toArray(String[]::new));
    /**
     * The model's name (the trainer's key and its folder in the model store). Its default is the method's
     * name ({@link JobConfig} fills it in), so an image job and an audio job never share a store path.
     */
    public static final Param<String> MODEL_ID = new Param<>("model-id",
            "name of the model being trained (the trainer's key); default: the method's name", null,
            s -> s.matches("[A-Za-z0-9._-]{1,64}"), "1-64 of [A-Za-z0-9._-]", s -> s);
    public static final Param<String> ENCODER = Param.ofChoice("encoder", "encoder architecture", "resnet-small",
            "resnet-small", "resnet18", "vit-tiny", "vit-tiny-frozen");
    public static final Param<Integer> IMAGE_SIZE = Param.ofInt("image-size", "encoder input side; images are resized",
            28, v -> v >= 8 && v <= 1024, "[8, 1024]");
    public static final Param<Integer> CHANNELS = Param.ofInt("channels", "encoder input channels", 1,
            v -> v == 1 || v == 3, "1 or 3");
    public static final Param<Long> PUBLISH_EVERY = Param.ofLong("publish-every",
            "training steps between published model versions", 20L, v -> v >= 1, ">= 1");
    public static final Param<Long> CHECKPOINT_INTERVAL_MS = Param.ofLong("checkpoint-interval-ms",
            "checkpoint interval; exactly-once output becomes visible at each completed checkpoint", 2000L,
            v -> v >= 100, ">= 100");
    public static final Param<String> BOOTSTRAP_SERVERS = new Param<>("bootstrap-servers", "Kafka bootstrap servers",
            "127.0.0.1:9092", s -> !s.isBlank(), "host:port[,host:port...]", s -> s);
    public static final Param<String> IMAGES_TOPIC = topic("images-topic", "input image records", "images");
    public static final Param<String> EMBEDDINGS_TOPIC = topic("embeddings-topic", "output embeddings", "embeddings");
    public static final Param<String> DEAD_LETTER_TOPIC = topic("dead-letter-topic", "records that could not be used",
            "dead-letters");
    public static final Param<String> MODEL_VERSIONS_TOPIC = topic("model-versions-topic", "published model versions",
            "model-versions");
    /**
     * Consumer group and transactional-id prefix. Its default is {@code contrastream-<method>} ({@link JobConfig}
     * fills it in): two jobs of different methods never fence each other's transactions by default.
     */
    public static final Param<String> GROUP_ID = new Param<>("group-id",
            "Kafka consumer group and transactional-id prefix of the job; default: contrastream-<method>", null,
            s -> s.matches("[A-Za-z0-9._-]{1,200}"), "1-200 of [A-Za-z0-9._-]", s -> s);
    public static final Param<Integer> PARALLELISM = Param.ofInt("parallelism",
            "parallelism of decoding, augmentation and embedding", 2, v -> v >= 1 && v <= 1024, "[1, 1024]");
    public static final Param<String> MODEL_STORE = new Param<>("model-store",
            "directory URI of published versions (file://, s3://, hdfs:// through Flink's FileSystem)",
            stateUri("models"), s -> s.contains("://"), "a URI such as file:///path or s3://bucket/path",
            s -> s);
    public static final Param<String> CHECKPOINT_DIR = new Param<>("checkpoint-dir", "checkpoint directory URI",
            stateUri("checkpoints"), s -> s.contains("://"), "a URI such as file:///path", s -> s);
    public static final Param<String> DEVICE = Param.ofChoice("device", "where to train: GPU when DJL sees one (auto)",
            "auto", "auto", "cpu", "gpu");
    public static final Param<Double> TRAIN_SAMPLE = Param.ofDouble("train-sample",
            "fraction of the records the trainer sees, chosen by record id (every record is embedded)", 1.0,
            v -> v > 0 && v <= 1, "(0, 1]");
    public static final Param<Integer> EMBED_BATCH = Param.ofInt("embed-batch",
            "records an embedder embeds in one forward pass (at most)", 64, v -> v >= 1 && v <= 4096, "[1, 4096]");
    public static final Param<Long> EMBED_MAX_DELAY_MS = Param.ofLong("embed-max-delay-ms",
            "longest a record waits for its embedder's batch to fill", 20L, v -> v >= 0 && v <= 60_000, "[0, 60000]");
    public static final Param<String> AUDIO_TOPIC = topic("audio-topic", "input audio chunks (audio methods)", "audio");
    public static final Param<String> CPC_PREDICTIONS_TOPIC = topic("cpc-predictions-topic",
            "CPC's per-chunk context, predictions and surprise (audio methods)", "cpc-predictions");
    public static final Param<Integer> MAX_CHUNK_SECONDS = Param.ofInt("max-chunk-seconds",
            "longest audio chunk accepted, in seconds of its own sample rate", 10, v -> v >= 1 && v <= 3600, "[1, 3600]");
    public static final Param<Integer> DRILL_NAN_BATCHES = Param.ofInt("drill-nan-batches",
            "fire drill of the numerics guard: the trainer fills its first N batches after each (re)start with NaN"
                    + " (each must be skipped and counted in skippedSteps, the weights untouched); 0 in production",
            0, v -> v >= 0 && v <= 1000, "[0, 1000]");
    public static final Param<Integer> MAX_IMAGE_BYTES = Param.ofInt("max-image-bytes", "largest encoded image accepted",
            8 << 20, v -> v > 0, "> 0");
    public static final Param<Long> MAX_IMAGE_PIXELS = Param.ofLong("max-image-pixels",
            "largest width x height accepted (checked from the header, before decoding)", 16L << 20, v -> v > 0, "> 0");
    public static final Param<Integer> MAX_RECORD_BYTES = Param.ofInt("max-record-bytes",
            "largest Kafka record value accepted", 16 << 20, v -> v > 0, "> 0");

    public static final Param<Integer> MAX_ID_BYTES = Param.ofInt("max-id-bytes",
            "longest record id (image id, audio stream id) accepted, in UTF-8 bytes; longer: a dead letter", 256,
            v -> v >= 1 && v <= 16 << 20, "[1, 16 MiB]");
    public static final Param<Integer> MAX_SOURCE_BYTES = Param.ofInt("max-source-bytes",
            "longest image record source accepted, in UTF-8 bytes; longer: a dead letter", 1024,
            v -> v >= 1 && v <= 16 << 20, "[1, 16 MiB]");
    public static final Param<Integer> MAX_KEY_BYTES = Param.ofInt("max-key-bytes",
            "longest Kafka record key accepted; longer: a dead letter (which keeps only this many bytes of it)", 256,
            v -> v >= 0 && v <= 65536, "[0, 65536]");
    public static final Param<Integer> DEAD_LETTER_MAX_RAW_BYTES = Param.ofInt("dead-letter-max-raw-bytes",
            "most bytes of a refused record's value a dead letter keeps (with Kafka's default 1 MiB limits)",
            512 << 10, v -> v >= 0 && v <= 64 << 20, "[0, 64 MiB]");
    public static final Param<Integer> MAX_OUTPUT_BYTES = Param.ofInt("max-output-bytes",
            "largest record (key + value) the job writes to any topic; the producer's max.request.size follows it."
                    + " A larger output becomes a dead letter. Kafka's defaults: 1 MiB per request and per message",
            1_000_000, v -> v >= 4096 && v <= 64 << 20, "[4096, 64 MiB]");
    public static final Param<Long> TRANSACTION_TIMEOUT_MS = Param.ofLong("transaction-timeout-ms",
            "Kafka transaction timeout of the exactly-once sinks; at most the broker's transaction.max.timeout.ms"
                    + " (900000 by default). A recovery longer than this loses the open transaction: the job then fails"
                    + " loudly (see README, Faults)", 900_000L, v -> v >= 1000 && v <= 3_600_000L, "[1000, 3600000]");
    public static final Param<Long> STREAM_IDLE_TTL_MS = Param.ofLong("stream-idle-ttl-ms",
            "audio: per-stream state (sequence, resampler, window, CPC context) is dropped after this long without a"
                    + " chunk; 0 keeps it forever", 3_600_000L, v -> v >= 0, ">= 0 (0: no expiry)");
    public static final Param<Long> MAX_SEQUENCE_JUMP = Param.ofLong("max-sequence-jump",
            "audio: largest forward jump of a stream's sequence number taken as a gap; a larger jump is a dead letter"
                    + " (one hostile chunk cannot claim the stream's future)", 100_000L, v -> v >= 1, ">= 1");
    public static final Param<Double> MAX_SAMPLE_ABS = Param.ofDouble("max-sample-abs",
            "audio: largest |sample| accepted from F32LE audio (full scale is 1); a chunk with a larger one is a dead"
                    + " letter, so a finite but absurd sample cannot overflow the encoder", 16.0,
            v -> v >= 1 && v <= 1e6, "[1, 1e6]");
    public static final Param<String> TRANSACTION_NAMING = Param.ofChoice("transaction-naming",
            "transactional ids of the exactly-once sinks: pooling (a fixed pool reused across checkpoints) or"
                    + " incrementing (a new id per checkpoint, the connector's old default: each stays on the broker for"
                    + " transactional.id.expiration.ms, 7 days)", "pooling", "pooling", "incrementing");
    public static final Param<String> SERVING_VERSION = new Param<>("serving-version",
            "the model version the embedders serve: latest (each new version at once) or a version number, pinned (the"
                    + " embedders load it from the model store and ignore newer ones; the trainer's retention keeps it)",
            "latest", s -> s.equals("latest") || s.matches("[1-9][0-9]{0,17}"), "latest or a version number >= 1",
            s -> s);
    public static final Param<Integer> KEEP_VERSIONS = Param.ofInt("keep-versions",
            "newest model versions kept in the model store (older ones are deleted, unless still serving)", 20,
            v -> v >= 1 && v <= 1_000_000, "[1, 1000000]");

    public static final Param<String> QUALITY_TOPIC = topic("quality-topic",
            "online evaluation: one quality record per model version every quality-interval scored records", "quality");
    public static final Param<Integer> EVAL_MEMORY = Param.ofInt("eval-memory",
            "online evaluation: labelled embeddings kept per model version (a ring; the kNN's training set)", 2048,
            v -> v >= 1 && v <= 1 << 16, "[1, 65536]");
    public static final Param<Integer> EVAL_K = Param.ofInt("eval-k",
            "online evaluation: neighbours of the weighted kNN vote (fewer while the memory holds fewer)", 200,
            v -> v >= 1 && v <= 1 << 16, "[1, 65536]");
    public static final Param<Long> EVAL_MIN_RECORDS = Param.ofLong("eval-min-records",
            "online evaluation: scored records a version needs before older versions' memories are dropped", 256L,
            v -> v >= 1, ">= 1");
    public static final Param<Long> QUALITY_INTERVAL = Param.ofLong("quality-interval",
            "online evaluation: scored records of a version between its quality records", 256L, v -> v >= 1, ">= 1");
    public static final Param<Double> EVAL_PROBE_LR = Param.ofDouble("eval-probe-lr",
            "online evaluation: SGD step of the online linear probe (softmax regression over L2-normalised h)", 0.5,
            v -> v > 0 && v <= 100, "(0, 100]");
    public static final Param<Integer> EVAL_MAX_CLASSES = Param.ofInt("eval-max-classes",
            "online evaluation: labels at or above this are skipped (they would grow the probe without bound)", 1000,
            v -> v >= 2 && v <= 1 << 20, "[2, 1048576]");
    public static final Param<Long> EVAL_SEED = Param.ofLong("eval-seed",
            "online evaluation: seed of the linear probe's initial weights", 42L, v -> true, "any long");

    public static final List<Param<?>> ALL = List.of(METHOD, MODEL_ID, ENCODER, IMAGE_SIZE, CHANNELS, PUBLISH_EVERY,
            CHECKPOINT_INTERVAL_MS, TRAIN_SAMPLE, EMBED_BATCH, EMBED_MAX_DELAY_MS, BOOTSTRAP_SERVERS, IMAGES_TOPIC, EMBEDDINGS_TOPIC, DEAD_LETTER_TOPIC,
            MODEL_VERSIONS_TOPIC, GROUP_ID, PARALLELISM, MODEL_STORE, CHECKPOINT_DIR, DEVICE, MAX_IMAGE_BYTES,
            MAX_IMAGE_PIXELS, MAX_RECORD_BYTES, DRILL_NAN_BATCHES, AUDIO_TOPIC, CPC_PREDICTIONS_TOPIC, MAX_CHUNK_SECONDS,
            MAX_ID_BYTES, MAX_SOURCE_BYTES, MAX_KEY_BYTES, DEAD_LETTER_MAX_RAW_BYTES, MAX_OUTPUT_BYTES,
            TRANSACTION_TIMEOUT_MS, STREAM_IDLE_TTL_MS, MAX_SEQUENCE_JUMP, MAX_SAMPLE_ABS, TRANSACTION_NAMING, KEEP_VERSIONS,
            QUALITY_TOPIC, EVAL_MEMORY, EVAL_K, EVAL_MIN_RECORDS, QUALITY_INTERVAL, EVAL_PROBE_LR, EVAL_MAX_CLASSES,
            EVAL_SEED, SERVING_VERSION);

    /** The pinned serving version, or 0 for {@code latest}. */
    public static long pinnedVersion(JobConfig cfg) {
        String v = cfg.get(SERVING_VERSION);
        return v.equals("latest") ? 0 : Long.parseLong(v);
    }

    /**
     * The default location of the job's state: {@code $XDG_STATE_HOME/contrastream/<what>} or
     * {@code ~/.local/state/contrastream/<what>} — never the world-writable /tmp.
     */
    static String stateUri(String what) {
        String xdg = System.getenv("XDG_STATE_HOME");
        java.nio.file.Path base = xdg != null && !xdg.isBlank() ? java.nio.file.Path.of(xdg)
                : java.nio.file.Path.of(System.getProperty("user.home"), ".local", "state");
        return base.resolve("contrastream").resolve(what).toUri().toString().replaceAll("/$", "");
    }

    private static Param<String> topic(String name, String what, String def) {
        return new Param<>(name, "Kafka topic of " + what, def, s -> s.matches("[A-Za-z0-9._-]{1,249}"),
                "a legal Kafka topic name", s -> s);
    }
}
