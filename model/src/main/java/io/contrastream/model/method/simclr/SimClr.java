package io.contrastream.model.method.simclr;

import io.contrastream.model.augment.image.Augmentations;
import io.contrastream.model.encoder.EncoderConfig;
import io.contrastream.model.loss.NtXentLoss;
import io.contrastream.model.method.MethodSpec;
import io.contrastream.model.method.RecipeParams;
import io.contrastream.model.method.TwoViewContrastive;
import io.contrastream.model.optim.OptimizerParams;
import io.contrastream.model.param.Params;
import java.util.List;

/**
 * SimCLR v1 (Chen et al., ICML 2020, arXiv:2002.05709): two strongly augmented views of each image
 * through one encoder and an MLP projector, NT-Xent over the 2N views.
 *
 * <pre>{@code
 * SimClr simclr = new SimClr(SimClr.SPEC.defaults(), EncoderConfig.smallResNet(1, 28));
 * StepResult s = simclr.step(batch);
 * }</pre>
 *
 * <p>One step ({@link TwoViewContrastive}): h = f([x₁; x₂]) in one pass (batch norm sees all 2N
 * views, as in the paper), z = g(h), loss NT-Xent(z₁, z₂, τ). Downstream uses h.
 */
public final class SimClr extends TwoViewContrastive {
    /** Chen et al. 2020. */
    public static final MethodSpec SPEC = MethodSpec.builder("simclr", SimClr::new)
            .params(RecipeParams.COMMON, RecipeParams.PROJECTOR, RecipeParams.AUG, List.of(RecipeParams.TEMPERATURE))
            // Chen et al. 2020: tau 0.5 for small images (CIFAR-10 appendix), 2-layer MLP with BN
            .defaults(p -> p.set(RecipeParams.TEMPERATURE, 0.5).set(RecipeParams.PROJ_LAYERS, 2)
                    .set(RecipeParams.PROJ_BN, true).set(OptimizerParams.WEIGHT_DECAY, 1e-4))
            .augmentation((p, enc) -> Augmentations.simclr(enc.inputSize(), p.get(RecipeParams.AUG_STRENGTH),
                    enc.inChannels() == 1))
            .build();

    public SimClr(Params params, EncoderConfig enc) {
        this(params, enc, null);
    }

    public SimClr(Params params, EncoderConfig enc, ai.djl.Device device) {
        super(SPEC, params, enc, device, NtXentLoss::new);
    }
}
