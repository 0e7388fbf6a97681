package io.contrastream.model.augment.audio;

import io.contrastream.model.augment.audio.LogMel;
import io.contrastream.model.augment.image.Image;
import io.contrastream.model.augment.image.Resize;
import io.contrastream.model.util.Rng;

/**
 * An utterance as a 1 x {@value #SIZE} x {@value #SIZE} "image" for CMC's cross-modal view: a random
 * crop of {@value #SAMPLES} samples (0.415 s at 16 kHz, exactly {@value #FRAMES} log-mel frames), a gain
 * of ±6 dB and white noise at 15–40 dB SNR, then the {@link LogMel} spectrogram (40 frames x 40 mel
 * bands) as bands x frames (rows = bands from low to high, columns = time), resized bilinearly to
 * {@value #SIZE} x {@value #SIZE}.
 *
 * <pre>{@code
 * float[] x = LogMelView.augmented(wave16k, Rng.of(seed, recordId, 1));   // 1 x 32 x 32, training view
 * float[] e = LogMelView.centred(wave16k);                                 // the same, centre crop, no noise
 * }</pre>
 *
 * <p>Values are (ln E − {@value #OFFSET}) / {@value #SCALE}, a fixed affine map that puts speech
 * (ln E up to about 8) and silence (ln 1e-6 ≈ −13.8) in about [−2.2, 2.2]; a fixed map (not per-view
 * standardisation) keeps the view a function of the record alone, so a stream can rebuild it anywhere.
 * The resize to 32 x 32 keeps the audio encoder's cost near the image encoder's (a 40 x 40 input costs
 * the small ResNet, which keeps full resolution in its stem, twice a 28 x 28 one).
 * Everything depends only on the waveform and the {@link Rng}: views are reproducible from
 * (seed, record id, view index).
 */
public final class LogMelView {
    /** Side of the view. */
    public static final int SIZE = 32;
    /** Log-mel frames of the crop, as many as mel bands. */
    public static final int FRAMES = LogMel.BANDS;
    /** Samples of the crop: {@value #FRAMES} frames of 400 with hop 160. */
    public static final int SAMPLES = LogMel.WINDOW + (FRAMES - 1) * LogMel.HOP;
    public static final float OFFSET = -3f;
    public static final float SCALE = 5f;
    /** {C, H, W} of the view. */
    public static final int[] SHAPE = {1, SIZE, SIZE};

    private static final Resize RESIZE = new Resize(SIZE);
    private static final AudioTransform CROP = new RandomCrop(SAMPLES);
    private static final AudioTransform AUGMENT = CROP.andThen(new Gain(-6, 6)).andThen(new WhiteNoise(15, 40));

    private LogMelView() {}

    /** The training view: random crop, gain, noise, log-mel; 1 x 40 x 40 floats. */
    public static float[] augmented(float[] wave16k, Rng rng) {
        return image(AUGMENT.apply(wave16k, rng));
    }

    /** The evaluation view: the centre {@value #SAMPLES} samples (zero-padded around a shorter one). */
    public static float[] centred(float[] wave16k) {
        float[] crop = new float[SAMPLES];
        if (wave16k.length >= SAMPLES) {
            System.arraycopy(wave16k, (wave16k.length - SAMPLES) / 2, crop, 0, SAMPLES);
        } else {
            System.arraycopy(wave16k, 0, crop, (SAMPLES - wave16k.length) / 2, wave16k.length);
        }
        return image(crop);
    }

    /** Log-mel of exactly {@value #SAMPLES} samples, transposed to bands x frames, scaled, resized. */
    static float[] image(float[] crop) {
        if (crop.length != SAMPLES) {
            throw new IllegalArgumentException("a log-mel view takes " + SAMPLES + " samples, got " + crop.length);
        }
        float[][] frames = LogMel.frames(crop); // frames: T x M = 40 x 40
        int m = LogMel.BANDS;
        float[] spec = new float[m * FRAMES];
        for (int t = 0; t < FRAMES; t++) {
            for (int b = 0; b < m; b++) {
                spec[b * FRAMES + t] = (frames[t][b] - OFFSET) / SCALE; // spec: M x T, row = band
            }
        }
        return RESIZE.apply(new Image(1, m, FRAMES, spec), null).data; // 1 x 32 x 32
    }
}
