package io.contrastream.model.serving;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contrastream.model.encoder.EncoderConfig;
import io.contrastream.model.method.AbstractRecipe;
import io.contrastream.model.method.RecipeParams;
import io.contrastream.model.method.registry.Recipes;
import io.contrastream.model.param.Params;
import io.contrastream.model.serving.EncoderModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

/**
 * A trained model on disk: {@code model.json} (method, parameters, encoder shape, step),
 * {@code state.bin} (the recipe's full training state) and {@code encoder.bin} (the encoder alone).
 *
 * <pre>{@code
 * SavedModel.save(recipe, dir, extraInfo);
 * try (EncoderModel m = SavedModel.loadEncoder(dir)) { float[][] h = m.embed(images, n); }   // serving
 * try (AbstractRecipe r = SavedModel.load(dir)) { r.step(batch); }                          // training on
 * }</pre>
 *
 * <p>The encoder alone ({@link #loadEncoder}, {@link #initialEncoder}) also loads from a model-store
 * version directory ({@code version.json} with its {@code metadata}, {@code encoder.bin}).
 */
public final class SavedModel {
    public static final String META = "model.json";
    public static final String STATE = "state.bin";
    public static final String ENCODER = "encoder.bin";
    /** A model-store version's description (written by the streaming trainer). */
    public static final String VERSION = "version.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private SavedModel() {}

    public static void save(AbstractRecipe recipe, Path dir, Map<String, Object> info) throws IOException {
        Files.createDirectories(dir);
        ObjectNode meta = JSON.createObjectNode();
        meta.put("method", recipe.name());
        meta.put("step", recipe.stepCount());
        meta.put("skippedSteps", recipe.skippedSteps());
        EncoderConfig enc = recipe.encoderConfig();
        ObjectNode e = meta.putObject("encoder");
        e.put("arch", enc.arch());
        e.put("inChannels", enc.inChannels());
        e.put("inputSize", enc.inputSize());
        ObjectNode p = meta.putObject("params");
        recipe.params().asMap().forEach((k, v) -> p.put(k, String.valueOf(v)));
        meta.set("info", JSON.valueToTree(info));
        Path tmp = dir.resolve(META + ".tmp");
        JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), meta);
        Files.write(dir.resolve(STATE), recipe.exportState());
        Files.write(dir.resolve(ENCODER), recipe.exportEncoder());
        Files.move(tmp, dir.resolve(META), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * What a model directory or model-store version was trained as: its method, steps, recipe parameters
     * (a version's: the defaults with the two its encoder depends on, seed and CMC's views) and the input
     * encoder configuration.
     */
    public record Description(String method, long step, Params params, EncoderConfig encoder) {}

    /** Reads {@code model.json}, or a model-store version's {@code version.json}. */
    public static Description describe(Path dir) throws IOException {
        if (!Files.exists(dir.resolve(META)) && Files.exists(dir.resolve(VERSION))) {
            JsonNode v = JSON.readTree(dir.resolve(VERSION).toFile());
            Map<String, String> meta = new java.util.LinkedHashMap<>();
            v.path("metadata").properties().forEach(f -> meta.put(f.getKey(), f.getValue().asText()));
            if (meta.isEmpty()) {
                throw new IOException(dir + ": " + VERSION + " has no encoder metadata (a version published before"
                        + " encoder.safetensors was written)");
            }
            String method = required(meta, "method");
            Params params = Recipes.defaults(method);
            params.set(RecipeParams.SEED.name(), required(meta, "seed"));
            if (meta.containsKey("views")) {
                params.set(RecipeParams.CMC_VIEWS.name(), meta.get("views"));
            }
            EncoderConfig enc = EncoderConfig.preset(required(meta, "architecture"),
                    Integer.parseInt(required(meta, "input_channels")), Integer.parseInt(required(meta, "input_size")));
            return new Description(method, v.path("step").asLong(), params, enc);
        }
        JsonNode meta = readMeta(dir);
        String method = meta.path("method").asText();
        Params params = Recipes.defaults(method);
        for (Map.Entry<String, JsonNode> f : meta.path("params").properties()) {
            if (!params.declares(f.getKey())) {
                continue; // directories of earlier builds list every recipe key; the method never read the others
            }
            params.set(f.getKey(), f.getValue().asText());
        }
        JsonNode e = meta.path("encoder");
        EncoderConfig enc = EncoderConfig.preset(e.path("arch").asText(), e.path("inChannels").asInt(),
                e.path("inputSize").asInt());
        return new Description(method, meta.path("step").asLong(), params, enc);
    }

    /** The trained encoder of a model directory or model-store version, for serving (no recipe is built). */
    public static EncoderModel loadEncoder(Path dir) throws IOException {
        EncoderModel m = initialEncoder(dir);
        try {
            m.importEncoder(Files.readAllBytes(dir.resolve(ENCODER)));
        } catch (RuntimeException | IOException ex) {
            m.close();
            throw ex;
        }
        return m;
    }

    /** The encoder at the initial (random, seeded) weights its recipe started from. */
    public static EncoderModel initialEncoder(Path dir) throws IOException {
        Description d = describe(dir);
        return EncoderModel.forRecipe(d.method(), d.params(), d.encoder(), null);
    }

    /** Rebuilds the recipe from {@code model.json} and restores its full state. */
    public static AbstractRecipe load(Path dir) throws IOException {
        AbstractRecipe r = create(dir);
        try {
            r.importState(Files.readAllBytes(dir.resolve(STATE)));
        } catch (RuntimeException | IOException ex) {
            r.close();
            throw ex;
        }
        return r;
    }

    /** The recipe described by {@code model.json} at its initial (random) weights. */
    public static AbstractRecipe create(Path dir) throws IOException {
        readMeta(dir); // a missing model.json is explained, a version directory has no training state
        Description d = describe(dir);
        return Recipes.create(d.method(), d.params(), d.encoder());
    }

    private static String required(Map<String, String> meta, String key) throws IOException {
        String v = meta.get(key);
        if (v == null) {
            throw new IOException(VERSION + ": encoder metadata without '" + key + "': " + meta);
        }
        return v;
    }

    private static JsonNode readMeta(Path dir) throws IOException {
        try {
            return JSON.readTree(dir.resolve(META).toFile());
        } catch (NoSuchFileException | java.io.FileNotFoundException ex) {
            throw new IOException(dir + " is not a model directory: " + META + " is missing (train one with"
                    + " `contrastream pretrain --out " + dir + "`)");
        }
    }
}
