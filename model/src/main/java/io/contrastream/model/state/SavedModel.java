package io.contrastream.model.state;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contrastream.model.encoder.EncoderConfig;
import io.contrastream.model.method.AbstractRecipe;
import io.contrastream.model.method.Recipes;
import io.contrastream.model.param.Params;
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
 * try (AbstractRecipe r = SavedModel.load(dir)) { float[][] h = r.embed(images, n); }
 * }</pre>
 */
public final class SavedModel {
    public static final String META = "model.json";
    public static final String STATE = "state.bin";
    public static final String ENCODER = "encoder.bin";
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
        JsonNode meta;
        try {
            meta = JSON.readTree(dir.resolve(META).toFile());
        } catch (NoSuchFileException | java.io.FileNotFoundException ex) {
            throw new IOException(dir + " is not a model directory: " + META + " is missing (train one with"
                    + " `contrastream pretrain --out " + dir + "`)");
        }
        String method = meta.path("method").asText();
        Params params = Recipes.defaults(method);
        for (Map.Entry<String, JsonNode> f : meta.path("params").properties()) {
            params.set(f.getKey(), f.getValue().asText());
        }
        JsonNode e = meta.path("encoder");
        EncoderConfig enc = EncoderConfig.preset(e.path("arch").asText(), e.path("inChannels").asInt(),
                e.path("inputSize").asInt());
        return Recipes.create(method, params, enc);
    }
}
