package io.contrastream.model.encoder.audio;

import java.util.Arrays;

/**
 * The shape of CPC's audio model (van den Oord, Li &amp; Vinyals 2018, "Representation Learning with
 * Contrastive Predictive Coding", arXiv:1807.03748, section 3.1): g_enc, five strided 1-D
 * convolutions without padding, each followed by a ReLU, maps the raw waveform to z_t; g_ar, a
 * one-layer GRU, maps z_≤t to the context c_t; K linear maps W_k predict z_{t+k} from c_t.
 *
 * <pre>{@code
 * CpcEncoderConfig cfg = CpcEncoderConfig.paper();   // 512 channels, GRU 256, K 12
 * cfg.hop();             // 160 samples: one frame every 10 ms at 16 kHz (100 Hz)
 * cfg.receptiveField();  // 465 samples (29 ms)
 * cfg.frames(20480);     // 126 frames in a paper training window
 * }</pre>
 *
 * <p>Hop = Π strides = 5·4·2·2·2 = 160. Receptive field of one output frame, from the last layer
 * back: r = k₁ + Σ_{l≥2} (k_l − 1)·Π_{j<l} s_j = 10 + 7·5 + 3·20 + 3·40 + 3·80 = 465 samples. Output
 * frame j sees samples [160·j, 160·j + 465), so a window of T ≥ 465 samples gives
 * T' = ⌊(T − 465)/160⌋ + 1 frames.
 *
 * <p>{@link #cpu()} keeps the paper's kernels, strides (hence hop, receptive field and frame rate) and
 * K = 12, and divides the widths: 64 convolution channels instead of 512 (the convolutions' cost
 * falls by 64×, it grows with channels²) and 64 GRU units instead of 256 (16× fewer recurrent
 * multiply-adds). On 2 cores that trains a 0.4 s window batch of 8 in well under a second per step.
 *
 * @param channels output channels of every convolution of g_enc, the dimension C of z_t
 * @param gruUnits hidden units H of the GRU g_ar, the dimension of c_t
 * @param kernels kernel sizes of the five convolutions
 * @param strides strides of the five convolutions
 * @param predictionSteps K, how many future frames are predicted from each c_t
 */
public record CpcEncoderConfig(int channels, int gruUnits, int[] kernels, int[] strides, int predictionSteps) {
    /** The paper's kernels. */
    public static final int[] PAPER_KERNELS = {10, 8, 4, 4, 4};
    /** The paper's strides. */
    public static final int[] PAPER_STRIDES = {5, 4, 2, 2, 2};

    public CpcEncoderConfig {
        if (channels < 1 || gruUnits < 1 || predictionSteps < 1) {
            throw new IllegalArgumentException("channels, GRU units and prediction steps must be >= 1");
        }
        if (kernels.length == 0 || kernels.length != strides.length) {
            throw new IllegalArgumentException("need as many kernels as strides (and at least one), got "
                    + Arrays.toString(kernels) + " and " + Arrays.toString(strides));
        }
        for (int i = 0; i < kernels.length; i++) {
            if (kernels[i] < 1 || strides[i] < 1) {
                throw new IllegalArgumentException("kernels and strides must be >= 1");
            }
        }
        kernels = kernels.clone();
        strides = strides.clone();
    }

    /** The paper's model: 512 channels, GRU 256, K = 12. */
    public static CpcEncoderConfig paper() {
        return new CpcEncoderConfig(512, 256, PAPER_KERNELS, PAPER_STRIDES, 12);
    }

    /** The paper's geometry scaled for a CPU: 64 channels, GRU 64, K = 12 (see the class comment). */
    public static CpcEncoderConfig cpu() {
        return new CpcEncoderConfig(64, 64, PAPER_KERNELS, PAPER_STRIDES, 12);
    }

    /** The same geometry with other widths and K. */
    public CpcEncoderConfig with(int channels, int gruUnits, int predictionSteps) {
        return new CpcEncoderConfig(channels, gruUnits, kernels, strides, predictionSteps);
    }

    @Override
    public int[] kernels() {
        return kernels.clone();
    }

    @Override
    public int[] strides() {
        return strides.clone();
    }

    /** Samples between consecutive frames: the product of the strides (160 for the paper). */
    public int hop() {
        int h = 1;
        for (int s : strides) {
            h *= s;
        }
        return h;
    }

    /** Input samples one output frame depends on (465 for the paper). */
    public int receptiveField() {
        int r = 1;
        for (int l = kernels.length - 1; l >= 0; l--) {
            r = (r - 1) * strides[l] + kernels[l];
        }
        return r;
    }

    /** Output frames of g_enc for {@code samples} input samples (0 when shorter than the receptive field). */
    public int frames(int samples) {
        long len = samples;
        for (int l = 0; l < kernels.length; l++) {
            if (len < kernels[l]) {
                return 0;
            }
            len = (len - kernels[l]) / strides[l] + 1;
        }
        return (int) len;
    }

    /** The shortest input that gives {@code frames} frames: receptive field + (frames − 1)·hop. */
    public int samplesFor(int frames) {
        return frames <= 0 ? 0 : receptiveField() + (frames - 1) * hop();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CpcEncoderConfig c && c.channels == channels && c.gruUnits == gruUnits
                && c.predictionSteps == predictionSteps && Arrays.equals(c.kernels, kernels)
                && Arrays.equals(c.strides, strides);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * (31 * channels + gruUnits) + predictionSteps) + 31 * Arrays.hashCode(kernels)
                + Arrays.hashCode(strides);
    }

    @Override
    public String toString() {
        return "CpcEncoderConfig[channels=" + channels + ", gruUnits=" + gruUnits + ", kernels="
                + Arrays.toString(kernels) + ", strides=" + Arrays.toString(strides) + ", K=" + predictionSteps + "]";
    }
}
