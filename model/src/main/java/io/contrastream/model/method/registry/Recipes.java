package io.contrastream.model.method.registry;

import io.contrastream.model.encoder.EncoderConfig;
import io.contrastream.model.method.AbstractRecipe;
import io.contrastream.model.method.MethodSpec;
import io.contrastream.model.method.byol.Byol;
import io.contrastream.model.method.cmc.Cmc;
import io.contrastream.model.method.cpc.Cpc;
import io.contrastream.model.method.dino.Dino;
import io.contrastream.model.method.instdisc.InstDisc;
import io.contrastream.model.method.invaspread.InvaSpread;
import io.contrastream.model.method.moco.MoCo;
import io.contrastream.model.method.moco.MoCoV3;
import io.contrastream.model.method.simclr.SimClr;
import io.contrastream.model.method.simclr.SimClrV2;
import io.contrastream.model.method.simsiam.SimSiam;
import io.contrastream.model.method.swav.SwAV;
import io.contrastream.model.param.Params;
import java.util.List;

/**
 * The method registry: every {@link MethodSpec}, one line each, looked up by name.
 *
 * <pre>{@code
 * MethodSpec spec = Recipes.spec("simclr");
 * Recipe r = Recipes.create("simclr", Recipes.defaults("simclr"), EncoderConfig.smallResNet(1, 28));
 * }</pre>
 */
public final class Recipes {
    /** Every method, in the order the CLI and README list them. */
    public static final List<MethodSpec> SPECS = List.of(InstDisc.SPEC, InvaSpread.SPEC, MoCo.V1, MoCo.V2, SimClr.SPEC,
            Byol.SPEC, SimSiam.SPEC, SimClrV2.SPEC, MoCoV3.SPEC, Dino.SPEC, SwAV.SPEC, Cmc.SPEC, Cpc.SPEC);

    /** The method a job trains when none is named. */
    public static final MethodSpec DEFAULT = MoCo.V2;

    /** Every method's name. */
    public static final List<String> METHODS = SPECS.stream().map(MethodSpec::name).toList();

    /** The methods trained on image views ({@link #create} builds them), CMC included. */
    public static final List<String> IMAGE_METHODS = SPECS.stream()
            .filter(s -> s.modality(s.defaults()) != MethodSpec.Modality.AUDIO).map(MethodSpec::name).toList();

    private Recipes() {}

    /** The spec of {@code method}; an unknown name is refused with the list of known ones. */
    public static MethodSpec spec(String method) {
        return SPECS.stream().filter(s -> s.name().equals(method)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown method '" + method + "': use one of " + METHODS));
    }

    /** The method's parameters at its defaults (only its own keys are accepted). */
    public static Params defaults(String method) {
        return spec(method).defaults();
    }

    public static AbstractRecipe create(String method, Params params, EncoderConfig enc) {
        return create(method, params, enc, null);
    }

    /** An image recipe on the given device (null: DJL's default, a GPU when the engine sees one). */
    public static AbstractRecipe create(String method, Params params, EncoderConfig enc, ai.djl.Device device) {
        MethodSpec spec = spec(method);
        if (spec.modality(params) == MethodSpec.Modality.AUDIO) {
            throw new IllegalArgumentException(method + " trains on audio windows, not image views: build it with "
                    + "Recipes.spec(\"" + method + "\").create(params, enc, device)");
        }
        return (AbstractRecipe) spec.create(params, enc, device);
    }
}
