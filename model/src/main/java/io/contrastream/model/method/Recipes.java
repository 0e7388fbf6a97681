package io.contrastream.model.method;

import io.contrastream.model.encoder.EncoderConfig;
import io.contrastream.model.method.invaspread.InvaSpread;
import io.contrastream.model.method.moco.MoCo;
import io.contrastream.model.method.simclr.SimClr;
import io.contrastream.model.param.Params;
import java.util.List;

/**
 * Creates recipes by method name.
 *
 * <pre>{@code
 * Recipe r = Recipes.create("simclr", Recipes.defaults("simclr"), EncoderConfig.smallResNet(1, 28));
 * }</pre>
 */
public final class Recipes {
    public static final List<String> METHODS = List.of("invaspread", "moco-v1", "moco-v2", "simclr");

    private Recipes() {}

    public static Params defaults(String method) {
        return RecipeParams.defaults(method);
    }

    public static AbstractRecipe create(String method, Params params, EncoderConfig enc) {
        return switch (method) {
            case "invaspread" -> new InvaSpread(params, enc);
            case "moco-v1" -> new MoCo(false, params, enc);
            case "moco-v2" -> new MoCo(true, params, enc);
            case "simclr" -> new SimClr(params, enc);
            default -> throw new IllegalArgumentException("unknown method '" + method + "': use one of " + METHODS);
        };
    }
}
