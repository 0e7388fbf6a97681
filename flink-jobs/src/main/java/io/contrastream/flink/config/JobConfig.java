package io.contrastream.flink.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.contrastream.model.encoder.EncoderConfig;
import io.contrastream.model.method.MethodSpec;
import io.contrastream.model.method.registry.Recipes;
import io.contrastream.model.param.Param;
import io.contrastream.model.param.Params;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The job's configuration: one flat YAML file plus flags, every key validated at start. Keys are
 * the job's ({@link JobParams}) and the chosen method's (its {@link MethodSpec#params()}: a key of
 * another method is refused); an unknown key or a bad value stops the job with an error that names
 * the key and the fix.
 *
 * <pre>{@code
 * # job.yaml
 * method: moco-v2
 * batch: 128
 * bootstrap-servers: kafka:9092
 * temperature: 0.2
 *
 * JobConfig cfg = JobConfig.load(Path.of("job.yaml"), Map.of("lr", "0.1"));   // flags win
 * }</pre>
 */
public final class JobConfig implements Serializable {
    /** Keys {@code kafka.<property>} pass a Kafka client property through (security settings). */
    public static final String KAFKA_PREFIX = "kafka.";
    private static final long serialVersionUID = 1L;
    private final Map<String, String> values;
    private transient Params job;
    private transient Params recipe;
    private transient MethodSpec spec;

    private JobConfig(Map<String, String> values) {
        this.values = new LinkedHashMap<>(values);
        parse();
    }

    /** Defaults with the given overrides. */
    public static JobConfig of(Map<String, String> overrides) {
        return new JobConfig(overrides);
    }

    /** A YAML file (may be null) and then the flags. */
    public static JobConfig load(Path yaml, Map<String, String> flags) throws IOException {
        Map<String, String> all = new LinkedHashMap<>();
        if (yaml != null) {
            if (!Files.isRegularFile(yaml)) {
                throw new IOException("config file " + yaml + " does not exist");
            }
            JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(yaml.toFile());
            if (root != null && !root.isNull()) {
                if (!root.isObject()) {
                    throw new IllegalArgumentException("config file " + yaml + " must be a flat map of key: value");
                }
                for (Map.Entry<String, JsonNode> e : root.properties()) {
                    if (e.getValue().isContainerNode()) {
                        throw new IllegalArgumentException("config key '" + e.getKey() + "' in " + yaml
                                + " must be a single value, not a list or map");
                    }
                    all.put(e.getKey(), e.getValue().asText());
                }
            }
        }
        all.putAll(flags);
        return new JobConfig(all);
    }

    private void parse() {
        String method = values.getOrDefault(JobParams.METHOD.name(), JobParams.METHOD.defaultValue());
        JobParams.METHOD.parse(method);
        job = new Params(JobParams.ALL);
        spec = Recipes.spec(method);
        recipe = spec.defaults();
        for (Map.Entry<String, String> e : values.entrySet()) {
            String key = e.getKey();
            if (isKafkaKey(key)) {
                continue; // a Kafka client property, passed through to the source and the sinks
            }
            if (job.declares(key)) {
                job.set(key, e.getValue());
            } else if (recipe.declares(key)) {
                recipe.set(key, e.getValue());
            } else {
                throw new IllegalArgumentException("unknown config key '" + key + "': " + method + " has no parameter '"
                        + key + "'; its parameters: " + String.join(", ", recipe.asMap().keySet()) + ". Job keys: "
                        + JobParams.ALL.stream().map(Param::name).toList() + "; Kafka client properties: "
                        + KAFKA_PREFIX + "<property>");
            }
        }
        // distinct per method by default: an image and an audio job (or two image methods) never share a consumer
        // group, transactional ids or a model-store folder unless told to
        if (!values.containsKey(JobParams.GROUP_ID.name())) {
            job.set(JobParams.GROUP_ID.name(), "contrastream-" + method);
        }
        if (!values.containsKey(JobParams.MODEL_ID.name())) {
            job.set(JobParams.MODEL_ID.name(), method);
        }
        long interval = job.get(JobParams.CHECKPOINT_INTERVAL_MS);
        long txTimeout = job.get(JobParams.TRANSACTION_TIMEOUT_MS);
        if (interval * 4 > txTimeout) { // a transaction stays open for an interval plus the checkpoint itself
            throw new IllegalArgumentException("config key 'checkpoint-interval-ms' (" + interval + ") must be at most"
                    + " a quarter of 'transaction-timeout-ms' (" + txTimeout + "): a transaction open longer than the"
                    + " timeout is aborted by the broker and its output lost. Lower the interval or raise"
                    + " transaction-timeout-ms (up to the broker's transaction.max.timeout.ms)");
        }
        int maxOut = job.get(JobParams.MAX_OUTPUT_BYTES);
        if (job.get(JobParams.DEAD_LETTER_MAX_RAW_BYTES) + job.get(JobParams.MAX_KEY_BYTES) + 8192 > maxOut) {
            throw new IllegalArgumentException("config key 'dead-letter-max-raw-bytes' ("
                    + job.get(JobParams.DEAD_LETTER_MAX_RAW_BYTES) + ") plus 'max-key-bytes' and 8 KiB for the reason"
                    + " must fit in 'max-output-bytes' (" + maxOut + "): lower it or raise max-output-bytes");
        }
        // settings that are only wrong together, refused at submission rather than at the trainer's start
        spec.check(recipe, encoderConfig());
    }

    public <T> T get(Param<T> p) {
        if (job == null) {
            parse();
        }
        return JobParams.ALL.contains(p) ? job.get(p) : recipe.get(p);
    }

    /** The recipe's parameters (method defaults with the configured overrides). */
    public Params recipeParams() {
        if (recipe == null) {
            parse();
        }
        return recipe;
    }

    /**
     * The Kafka client properties of keys {@code kafka.<property>} (e.g. {@code kafka.security.protocol:
     * SASL_SSL}), given to the source and every sink as they are; the job's own settings
     * (bootstrap servers, isolation level, transaction timeout) are applied after them.
     */
    private static boolean isKafkaKey(String key) {
        return key.startsWith(KAFKA_PREFIX) && key.length() > KAFKA_PREFIX.length();
    }

    public java.util.Properties kafkaProperties() {
        java.util.Properties p = new java.util.Properties();
        values.forEach((k, v) -> {
            if (isKafkaKey(k)) {
                p.setProperty(k.substring(KAFKA_PREFIX.length()), v);
            }
        });
        return p;
    }

    public String method() {
        return get(JobParams.METHOD);
    }

    /** The method's description: its modality chooses the job's topology, its factory the recipe. */
    public MethodSpec spec() {
        if (spec == null) {
            parse();
        }
        return spec;
    }

    public EncoderConfig encoderConfig() {
        return EncoderConfig.preset(get(JobParams.ENCODER), get(JobParams.CHANNELS), get(JobParams.IMAGE_SIZE));
    }

    /**
     * The DJL device of {@code device}: null for auto (DJL's default: a GPU when the engine sees
     * one), the CPU, or the first GPU; gpu without one is refused with the fix.
     */
    public ai.djl.Device device() {
        return switch (get(JobParams.DEVICE)) {
            case "cpu" -> ai.djl.Device.cpu();
            case "gpu" -> {
                if (ai.djl.engine.Engine.getInstance().getGpuCount() == 0) {
                    throw new IllegalArgumentException("config key 'device' is gpu but DJL sees no GPU (this build"
                            + " ships the CPU libtorch): use device: auto or cpu");
                }
                yield ai.djl.Device.gpu();
            }
            default -> null;
        };
    }

    public Map<String, String> asMap() {
        return Map.copyOf(values);
    }

    /** Keys whose values are never printed: Kafka secrets (JAAS config, passwords, keys, tokens). */
    public static boolean isSecret(String key) {
        String k = key.toLowerCase(java.util.Locale.ROOT);
        return k.contains("password") || k.contains("jaas") || k.contains("secret") || k.contains("token")
                || k.endsWith(".key") || k.contains("credential");
    }

    /** The settings with every secret's value replaced by {@code [hidden]}: safe for logs and the console. */
    public Map<String, String> redacted() {
        Map<String, String> out = new LinkedHashMap<>();
        values.forEach((k, v) -> out.put(k, isSecret(k) ? "[hidden]" : v));
        return out;
    }

    @Override
    public String toString() {
        return "JobConfig" + redacted();
    }
}
