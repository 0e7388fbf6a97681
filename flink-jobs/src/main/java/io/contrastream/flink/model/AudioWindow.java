package io.contrastream.flink.model;

/**
 * A training window of one audio stream at 16 kHz, from the stream operator to the CPC trainer.
 *
 * <pre>{@code
 * trainer.add(window.samples);   // window-samples floats
 * }</pre>
 */
public class AudioWindow {
    public String modelId;
    public String streamId;
    public float[] samples;

    public AudioWindow() {}
}
