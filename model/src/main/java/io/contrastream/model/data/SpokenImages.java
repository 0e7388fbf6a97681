package io.contrastream.model.data;

import io.contrastream.model.data.audio.Utterances;
import java.util.List;

/**
 * Images paired with spoken utterances of their class names: record i is image i and the utterance
 * {@code utterance[i]} of {@code speech} (CMC's cross-modal pair, read by {@link SpokenImageSpec}).
 *
 * <pre>{@code
 * SpokenImages s = SpokenImageSpec.parse("fashion-mnist-spoken:/usr/share/datasets/fashion-mnist:train:/tmp/fm-speech")
 *         .read(1, 28, 42L);
 * float[] wave = s.audio(0);   // 16 kHz samples of an utterance of image 0's class name
 * }</pre>
 *
 * @param images the images with their labels
 * @param speech this split's utterances (its speakers only), resampled to 16 kHz
 * @param utterance per image: the index into {@code speech} of its paired utterance
 */
public record SpokenImages(ImageSet images, Utterances speech, int[] utterance) {
    /** The sample rate of every utterance. */
    public static final int RATE = 16000;

    public SpokenImages {
        if (utterance.length != images.size()) {
            throw new IllegalArgumentException(utterance.length + " utterance indices for " + images.size() + " images");
        }
        if (speech.sampleRate() != RATE) {
            throw new IllegalArgumentException("speech must be at " + RATE + " Hz, got " + speech.sampleRate());
        }
        for (int u : utterance) {
            if (u < 0 || u >= speech.size()) {
                throw new IllegalArgumentException("utterance index " + u + " outside [0, " + speech.size() + ")");
            }
        }
    }

    public int size() {
        return images.size();
    }

    /** The utterance paired with image i, 16 kHz. */
    public float[] audio(int i) {
        return speech.audio().get(utterance[i]);
    }

    /** The utterance of every image, in image order (shared arrays, not copies). */
    public List<float[]> audioPerImage() {
        return java.util.Arrays.stream(utterance).mapToObj(u -> speech.audio().get(u)).toList();
    }

    /** The first {@code n} records. */
    public SpokenImages limit(int n) {
        if (n <= 0 || n >= size()) {
            return this;
        }
        return new SpokenImages(images.slice(0, n), speech, java.util.Arrays.copyOf(utterance, n));
    }
}
