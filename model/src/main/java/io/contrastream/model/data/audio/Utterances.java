package io.contrastream.model.data.audio;

import java.util.List;

/**
 * A labelled set of mono utterances at one sample rate (from {@link WavFolderReader}).
 *
 * @param audio the utterances' samples in [-1, 1]
 * @param sampleRate their common sample rate in Hz
 * @param speakers speaker names (sorted)
 * @param words word (or sentence) names (sorted)
 * @param speaker per utterance: index into {@code speakers}
 * @param word per utterance: index into {@code words}
 */
public record Utterances(List<float[]> audio, int sampleRate, List<String> speakers, List<String> words,
        int[] speaker, int[] word) {
    public Utterances {
        if (audio.size() != speaker.length || audio.size() != word.length) {
            throw new IllegalArgumentException("audio, speaker and word must have one entry per utterance: "
                    + audio.size() + ", " + speaker.length + ", " + word.length);
        }
        if (sampleRate <= 0) {
            throw new IllegalArgumentException("sample rate must be positive, got " + sampleRate);
        }
    }

    public int size() {
        return audio.size();
    }

    /** Total length in seconds. */
    public double seconds() {
        long n = 0;
        for (float[] a : audio) {
            n += a.length;
        }
        return n / (double) sampleRate;
    }
}
