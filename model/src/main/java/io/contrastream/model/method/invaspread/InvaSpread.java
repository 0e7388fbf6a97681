package io.contrastream.model.method.invaspread;

import io.contrastream.model.augment.image.Augmentations;
import io.contrastream.model.encoder.EncoderConfig;
import io.contrastream.model.loss.InvaSpreadLoss;
import io.contrastream.model.method.MethodSpec;
import io.contrastream.model.method.RecipeParams;
import io.contrastream.model.method.TwoViewContrastive;
import io.contrastream.model.optim.OptimizerParams;
import io.contrastream.model.param.Params;
import java.util.List;

/**
 * InvaSpread (Ye et al., CVPR 2019, arXiv:1904.03436): end to end, one encoder, positives and
 * negatives from the same mini-batch; a linear 128-d embedding, normalised, τ = 0.1.
 *
 * <pre>{@code
 * InvaSpread r = new InvaSpread(InvaSpread.SPEC.defaults(), EncoderConfig.smallResNet(1, 28));
 * StepResult s = r.step(batch);   // view 0: the images x, view 1: their augmented copies x̂
 * }</pre>
 *
 * <p>SimCLR's step ({@link TwoViewContrastive}) with {@link InvaSpreadLoss}. Both views are augmented
 * here (the paper's x is itself randomly cropped and flipped in its released code); they pass the
 * encoder in one batch. Downstream uses h.
 */
public final class InvaSpread extends TwoViewContrastive {
    /** Ye et al. 2019. */
    public static final MethodSpec SPEC = MethodSpec.builder("invaspread", InvaSpread::new)
            .params(RecipeParams.COMMON, RecipeParams.PROJECTOR, List.of(RecipeParams.TEMPERATURE))
            // Ye et al. 2019: tau 0.1, 128-d linear embedding, SGD momentum 0.9, wd 5e-4
            .defaults(p -> p.set(RecipeParams.TEMPERATURE, 0.1).set(RecipeParams.PROJ_LAYERS, 1)
                    .set(RecipeParams.PROJ_BN, false).set(OptimizerParams.LR, 0.06))
            .augmentation((p, enc) -> Augmentations.invaspread(enc.inputSize(), enc.inChannels() == 1))
            .build();

    public InvaSpread(Params params, EncoderConfig enc) {
        this(params, enc, null);
    }

    public InvaSpread(Params params, EncoderConfig enc, ai.djl.Device device) {
        super(SPEC, params, enc, device, InvaSpreadLoss::new);
    }
}
