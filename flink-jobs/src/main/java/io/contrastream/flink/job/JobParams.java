package io.contrastream.flink.job;

import io.contrastream.model.param.Param;
import java.util.List;

/**
 * The streaming job's own settings, declared once (the recipe's are in {@code RecipeParams}).
 *
 * <pre>{@code
 * JobConfig cfg = JobConfig.load(Path.of("job.yaml"), Map.of("method", "moco-v2"));
 * String topic = cfg.get(JobParams.IMAGES_TOPIC);
 * }</pre>
 */
public final class JobParams {
    private JobParams() {}

    /** The audio method: CPC on live audio streams. */
    public static final String CPC = "cpc";

    public static final Param<String> METHOD = Param.ofChoice("method",
            "training recipe: an image method, or cpc (audio: the job reads audio-topic instead of images-topic)",
            "moco-v2", java.util.stream.Stream.concat(io.contrastream.model.method.Recipes.METHODS.stream(),
                    java.util.stream.Stream.of(CPC)).toArray(String[]::new));
    public static final Param<String> MODEL_ID = new Param<>("model-id", "name of the model being trained (the trainer's key)",
            "default", s -> s.matches("[A-Za-z0-9._-]{1,64}"), "1-64 of [A-Za-z0-9._-]", s -> s);
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
    public static final Param<String> GROUP_ID = new Param<>("group-id", "Kafka consumer group of the job",
            "contrastream", s -> !s.isBlank(), "non-empty", s -> s);
    public static final Param<Integer> PARALLELISM = Param.ofInt("parallelism",
            "parallelism of decoding, augmentation and embedding", 2, v -> v >= 1 && v <= 1024, "[1, 1024]");
    public static final Param<String> MODEL_STORE = new Param<>("model-store",
            "directory URI of published versions (file://, s3://, hdfs:// through Flink's FileSystem)",
            "file:///tmp/contrastream/models", s -> s.contains("://"), "a URI such as file:///path or s3://bucket/path",
            s -> s);
    public static final Param<String> CHECKPOINT_DIR = new Param<>("checkpoint-dir", "checkpoint directory URI",
            "file:///tmp/contrastream/checkpoints", s -> s.contains("://"), "a URI such as file:///path", s -> s);
    public static final Param<String> DEVICE = Param.ofChoice("device", "where to train: GPU when DJL sees one (auto)",
            "auto", "auto", "cpu", "gpu");
    public static final Param<Double> TRAIN_SAMPLE = Param.ofDouble("train-sample",
            "fraction of the records the trainer sees, chosen by record id (every record is embedded)", 1.0,
            v -> v > 0 && v <= 1, "(0, 1]");
    public static final Param<Integer> EMBED_BATCH = Param.ofInt("embed-batch",
            "records an embedder embeds in one forward pass (at most)", 64, v -> v >= 1 && v <= 4096, "[1, 4096]");
    public static final Param<Long> EMBED_MAX_DELAY_MS = Param.ofLong("embed-max-delay-ms",
            "longest a record waits for its embedder's batch to fill", 20L, v -> v >= 0 && v <= 60_000, "[0, 60000]");
    public static final Param<String> AUDIO_TOPIC = topic("audio-topic", "input audio chunks (method cpc)", "audio");
    public static final Param<String> CPC_PREDICTIONS_TOPIC = topic("cpc-predictions-topic",
            "CPC's per-chunk context, predictions and surprise (method cpc)", "cpc-predictions");
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

    public static final List<Param<?>> ALL = List.of(METHOD, MODEL_ID, ENCODER, IMAGE_SIZE, CHANNELS, PUBLISH_EVERY,
            CHECKPOINT_INTERVAL_MS, TRAIN_SAMPLE, EMBED_BATCH, EMBED_MAX_DELAY_MS, BOOTSTRAP_SERVERS, IMAGES_TOPIC, EMBEDDINGS_TOPIC, DEAD_LETTER_TOPIC,
            MODEL_VERSIONS_TOPIC, GROUP_ID, PARALLELISM, MODEL_STORE, CHECKPOINT_DIR, DEVICE, MAX_IMAGE_BYTES,
            MAX_IMAGE_PIXELS, MAX_RECORD_BYTES, DRILL_NAN_BATCHES, AUDIO_TOPIC, CPC_PREDICTIONS_TOPIC, MAX_CHUNK_SECONDS);

    private static Param<String> topic(String name, String what, String def) {
        return new Param<>(name, "Kafka topic of " + what, def, s -> s.matches("[A-Za-z0-9._-]{1,249}"),
                "a legal Kafka topic name", s -> s);
    }
}
