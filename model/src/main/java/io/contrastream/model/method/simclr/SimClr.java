package io.contrastream.model.method.simclr;

import java.util.List;
import io.contrastream.model.optim.OptimizerParams;
import io.contrastream.model.augment.image.Augmentations;
import io.contrastream.model.method.MethodSpec;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import io.contrastream.model.encoder.EncoderConfig;
import io.contrastream.model.head.Mlp;
import io.contrastream.model.loss.NtXentLoss;
import io.contrastream.model.method.AbstractRecipe;
import io.contrastream.model.method.RecipeParams;
import io.contrastream.model.method.ViewBatch;
import io.contrastream.model.param.Params;

/**
 * SimCLR v1 (Chen et al., ICML 2020, arXiv:2002.05709): two strongly augmented views of each image
 * through one encoder and an MLP projector, NT-Xent over the 2N views.
 *
 * <pre>{@code
 * SimClr simclr = new SimClr(SimClr.SPEC.defaults(), EncoderConfig.smallResNet(1, 28));
 * StepResult s = simclr.step(batch);
 * }</pre>
 *
 * <p>One step: h = f([x₁; x₂]) in one pass (batch norm sees all 2N views, as in the paper),
 * z = g(h), loss NT-Xent(z₁, z₂, τ). Downstream uses h.
 */
public final class SimClr extends AbstractRecipe {
    /** Chen et al. 2020. */
    public static final MethodSpec SPEC = MethodSpec.builder("simclr", SimClr::new)
            .params(RecipeParams.COMMON, RecipeParams.PROJECTOR, RecipeParams.AUG, List.of(RecipeParams.TEMPERATURE))
            // Chen et al. 2020: tau 0.5 for small images (CIFAR-10 appendix), 2-layer MLP with BN
            .defaults(p -> p.set(RecipeParams.TEMPERATURE, 0.5).set(RecipeParams.PROJ_LAYERS, 2)
                    .set(RecipeParams.PROJ_BN, true).set(OptimizerParams.WEIGHT_DECAY, 1e-4))
            .augmentation((p, enc) -> Augmentations.simclr(enc.inputSize(), p.get(RecipeParams.AUG_STRENGTH),
                    enc.inChannels() == 1))
            .build();

    private final Block projector;
    private final NtXentLoss loss;

    public SimClr(Params params, EncoderConfig enc) {
        this(params, enc, null);
    }

    public SimClr(Params params, EncoderConfig enc, ai.djl.Device device) {
        super(SPEC, params, enc, device);
        this.projector = Mlp.projector(params.get(RecipeParams.PROJ_LAYERS), enc.outDim(),
                params.get(RecipeParams.PROJ_HIDDEN), params.get(RecipeParams.PROJ_DIM), params.get(RecipeParams.PROJ_BN));
        register(projector, new Shape(2, enc.outDim()));
        this.loss = new NtXentLoss(params.get(RecipeParams.TEMPERATURE).floatValue());
        initOptimizer();
    }

    @Override
    protected NDArray loss(NDManager sm, ViewBatch batch) {
        NDArray[] z = headOfBothViews(sm, batch, projector); // z[v]: N x dim
        return loss.compute(z[0], z[1]);
    }
}
