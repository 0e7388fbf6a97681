package io.contrastream.model.method.simclr;

import io.contrastream.model.encoder.EncoderConfig;
import io.contrastream.model.loss.NtXentLoss;
import io.contrastream.model.method.TwoViewContrastive;
import io.contrastream.model.param.Params;

/**
 * SimCLR v1 (Chen et al., ICML 2020, arXiv:2002.05709): two strongly augmented views of each image
 * through one encoder and an MLP projector, NT-Xent over the 2N views.
 *
 * <pre>{@code
 * SimClr simclr = new SimClr(RecipeParams.defaults("simclr"), EncoderConfig.smallResNet(1, 28));
 * StepResult s = simclr.step(batch);
 * }</pre>
 *
 * <p>One step ({@link TwoViewContrastive}): h = f([x₁; x₂]) in one pass (batch norm sees all 2N
 * views, as in the paper), z = g(h), loss NT-Xent(z₁, z₂, τ). Downstream uses h.
 */
public final class SimClr extends TwoViewContrastive {
    public SimClr(Params params, EncoderConfig enc) {
        this(params, enc, null);
    }

    public SimClr(Params params, EncoderConfig enc, ai.djl.Device device) {
        super("simclr", params, enc, device, NtXentLoss::new);
    }
}
