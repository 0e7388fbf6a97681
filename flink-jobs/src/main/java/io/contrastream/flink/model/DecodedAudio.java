package io.contrastream.flink.model;

/**
 * A validated audio chunk: mono samples at the chunk's own rate, with its stream coordinates and
 * where it came from (for a dead letter raised later, e.g. a replayed sequence number).
 *
 * <pre>{@code
 * DecodedAudio a = decode.decode(raw);    // a.samples: mono floats at a.sampleRate
 * }</pre>
 */
public class DecodedAudio {
    public String streamId;
    public long sequenceNumber;
    public long eventTime;
    public int sampleRate;
    public float[] samples;
    public RawRecord raw;
    /** Set by the stream's resampling step: the stream restarted here (a gap or a new sample rate). */
    public boolean restart;

    public DecodedAudio() {}
}
