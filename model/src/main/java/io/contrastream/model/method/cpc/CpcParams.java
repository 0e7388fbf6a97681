package io.contrastream.model.method.cpc;

import io.contrastream.model.encoder.audio.CpcEncoderConfig;
import io.contrastream.model.param.Param;
import io.contrastream.model.param.Params;
import java.util.List;

/**
 * CPC's own parameters, the audio model's; with the shared {@code RecipeParams.COMMON} (seed,
 * optimizer, lr, batch, ...) they make {@link Cpc#SPEC}'s list.
 *
 * <pre>{@code
 * Params p = Cpc.SPEC.defaults().set(CpcParams.WINDOW_SAMPLES, 6400);
 * try (Cpc cpc = new Cpc(p)) { ... }
 * }</pre>
 *
 * <p>Defaults (paper: arXiv:1807.03748, section 3.1): Adam, β₁ 0.9, no weight decay, learning rate
 * 2e-4 for the default batch of 8 windows (lr is per 256 records and scaled by batch/256, as for
 * every recipe, hence lr = 2e-4 · 256 / 8 = 6.4e-3), windows of 20,480 samples (1.28 s at 16 kHz),
 * K = 12. Widths are {@link CpcEncoderConfig#cpu()}'s, 64 channels and 64 GRU units instead of the
 * paper's 512 and 256 (set cpc-channels=512 cpc-gru=256 for the paper's model). The paper does not
 * give its number of negatives per anchor for audio beyond "other time steps and other sequences of
 * the batch": here the batch's N − 1 same-time frames plus cpc-negatives = 16 frames of the same
 * window at other times (see {@link io.contrastream.model.loss.CpcLoss}).
 */
public final class CpcParams {
    private CpcParams() {}

    public static final Param<Integer> CPC_CHANNELS = Param.ofInt("cpc-channels",
            "CPC: channels C of every g_enc convolution (the dimension of z_t; paper 512)", 64,
            v -> v >= 1 && v <= 4096, "[1, 4096]");
    public static final Param<Integer> CPC_GRU = Param.ofInt("cpc-gru",
            "CPC: GRU units H of g_ar (the dimension of c_t; paper 256)", 64, v -> v >= 1 && v <= 4096, "[1, 4096]");
    public static final Param<Integer> CPC_K = Param.ofInt("cpc-steps",
            "CPC: prediction steps K (future frames predicted from each c_t; paper 12)", 12,
            v -> v >= 1 && v <= 256, "[1, 256]");
    public static final Param<Integer> CPC_NEGATIVES = Param.ofInt("cpc-negatives",
            "CPC: negatives per anchor drawn from other time steps of the same window (besides the batch's"
                    + " other windows at the same time)", 16, v -> v >= 0 && v <= 4096, "[0, 4096]");
    public static final Param<Integer> WINDOW_SAMPLES = Param.ofInt("window-samples",
            "CPC: samples per training window at 16 kHz (paper 20480)", 20480, v -> v >= 465 && v <= (1 << 24),
            "[465, 16777216]");

    /** The CPC keys alone. */
    public static final List<Param<?>> CPC = List.of(CPC_CHANNELS, CPC_GRU, CPC_K, CPC_NEGATIVES, WINDOW_SAMPLES);

    /** The audio model these parameters describe (the paper's kernels and strides). */
    public static CpcEncoderConfig encoderConfig(Params p) {
        return new CpcEncoderConfig(p.get(CPC_CHANNELS), p.get(CPC_GRU), CpcEncoderConfig.PAPER_KERNELS,
                CpcEncoderConfig.PAPER_STRIDES, p.get(CPC_K));
    }
}
