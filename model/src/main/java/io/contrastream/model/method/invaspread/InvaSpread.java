package io.contrastream.model.method.invaspread;

import io.contrastream.model.encoder.EncoderConfig;
import io.contrastream.model.loss.InvaSpreadLoss;
import io.contrastream.model.method.TwoViewContrastive;
import io.contrastream.model.param.Params;

/**
 * InvaSpread (Ye et al., CVPR 2019, arXiv:1904.03436): end to end, one encoder, positives and
 * negatives from the same mini-batch; a linear 128-d embedding, normalised, τ = 0.1.
 *
 * <pre>{@code
 * InvaSpread r = new InvaSpread(RecipeParams.defaults("invaspread"), EncoderConfig.smallResNet(1, 28));
 * StepResult s = r.step(batch);   // view 0: the images x, view 1: their augmented copies x̂
 * }</pre>
 *
 * <p>SimCLR's step ({@link TwoViewContrastive}) with {@link InvaSpreadLoss}. Both views are augmented
 * here (the paper's x is itself randomly cropped and flipped in its released code); they pass the
 * encoder in one batch. Downstream uses h.
 */
public final class InvaSpread extends TwoViewContrastive {
    public InvaSpread(Params params, EncoderConfig enc) {
        this(params, enc, null);
    }

    public InvaSpread(Params params, EncoderConfig enc, ai.djl.Device device) {
        super("invaspread", params, enc, device, InvaSpreadLoss::new);
    }
}
