package io.contrastream.cli;

import io.contrastream.codecs.AudioEncoder;
import io.contrastream.connectors.format.AvroCodec;
import io.contrastream.connectors.format.avro.AudioChunk;
import io.contrastream.model.data.audio.Utterances;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Sends a speech corpus as S interleaved live audio streams of mono PCM_S16LE {@link AudioChunk}s, for
 * {@code produce --data wavfolder:DIR}.
 *
 * <pre>{@code
 * AudioProducer.send("127.0.0.1:9092", "audio", WavFolderReader.read(dir), "mic", 8, 100, 0, new AtomicLong());
 * }</pre>
 *
 * <p>Stream s (0 ≤ s &lt; S) plays utterances s, s+S, s+2S, ... back to back with {@value #GAP_SECONDS} s
 * of silence between them, as one continuous stream with id {@code SOURCE-s} (a stream without
 * utterances is not sent). Each stream is cut into chunks of {@code chunkMs} ms (the last one shorter)
 * numbered 0, 1, 2, ...; chunks go out round-robin across streams (round r: chunk r of every stream that
 * has one), keyed by stream id, at the utterances' own sample rate. Event time: the send's start plus
 * the chunk's offset in its stream.
 */
final class AudioProducer {
    static final double GAP_SECONDS = 0.2;

    private AudioProducer() {}

    /** Receives each chunk in send order. */
    interface Sink {
        void accept(String key, AudioChunk chunk) throws InterruptedException;
    }

    /**
     * @param rate chunks per second over all streams, 0 for as fast as possible
     * @param sent incremented after each chunk handed to the producer
     */
    static void send(String bootstrap, String topic, Utterances u, String source, int streams, int chunkMs,
            double rate, AtomicLong sent) throws InterruptedException {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        AvroCodec<AudioChunk> codec = AvroCodec.of(AudioChunk.class);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(),
                new ByteArraySerializer())) {
            chunks(u, source, streams, chunkMs, rate, (key, chunk) -> {
                producer.send(new ProducerRecord<>(topic, key, codec.encode(chunk)));
                sent.incrementAndGet();
            });
            producer.flush();
        }
    }

    /** Generates the chunks in send order, paced at {@code rate} chunks/s (0: no pacing). */
    static void chunks(Utterances u, String source, int streams, int chunkMs, double rate, Sink sink)
            throws InterruptedException {
        int size = chunkSamples(u.sampleRate(), chunkMs);
        List<float[]> signals = streams(u, streams);
        long startNanos = System.nanoTime();
        long startMillis = System.currentTimeMillis();
        long i = 0;
        for (long round = 0; ; round++) {
            boolean any = false;
            for (int s = 0; s < signals.size(); s++) {
                float[] x = signals.get(s);
                long from = round * size;
                if (from >= x.length) {
                    continue;
                }
                any = true;
                if (rate > 0) {
                    long wait = startNanos + (long) (i * 1e9 / rate) - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                }
                float[] piece = Arrays.copyOfRange(x, (int) from, (int) Math.min(x.length, from + size));
                String id = source + "-" + s;
                long eventTime = startMillis + Math.round(from * 1000.0 / u.sampleRate());
                sink.accept(id, AudioEncoder.pcm16(id, round, eventTime, piece, u.sampleRate()));
                i++;
            }
            if (!any) {
                return;
            }
        }
    }

    /** Samples per chunk: {@code round(rate · chunkMs / 1000)}, at least 1. */
    static int chunkSamples(int sampleRate, int chunkMs) {
        if (chunkMs <= 0) {
            throw new IllegalArgumentException("--chunk-ms must be positive, got " + chunkMs);
        }
        return (int) Math.max(1, Math.round(sampleRate * (double) chunkMs / 1000));
    }

    /**
     * Where each utterance starts in its stream: {@code starts[s][j]} is the first sample of utterance
     * s + j·S in stream s (utterances back to back with {@value #GAP_SECONDS} s of silence between); the
     * last entry of each row is the stream's length. Streams without utterances are left out.
     */
    static long[][] layout(Utterances u, int streams) {
        if (streams <= 0) {
            throw new IllegalArgumentException("--streams must be positive, got " + streams);
        }
        int gap = (int) Math.round(GAP_SECONDS * u.sampleRate());
        int used = Math.min(streams, u.size());
        long[][] out = new long[used][];
        for (int s = 0; s < used; s++) {
            int count = (u.size() - s + streams - 1) / streams;
            long[] starts = new long[count + 1];
            long pos = 0;
            for (int j = 0; j < count; j++) {
                starts[j] = pos;
                pos += u.audio().get(s + j * streams).length + (j + 1 < count ? gap : 0);
            }
            starts[count] = pos;
            out[s] = starts;
        }
        return out;
    }

    /** The S stream signals (utterances s, s+S, ... with silence between); streams without utterances are left out. */
    static List<float[]> streams(Utterances u, int streams) {
        List<float[]> out = new ArrayList<>();
        long[][] layout = layout(u, streams);
        for (int s = 0; s < layout.length; s++) {
            long n = layout[s][layout[s].length - 1];
            if (n > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("stream " + s + " is too long (" + n + " samples); use more --streams");
            }
            float[] x = new float[(int) n];
            for (int j = 0; j + 1 < layout[s].length; j++) {
                float[] a = u.audio().get(s + j * streams);
                System.arraycopy(a, 0, x, (int) layout[s][j], a.length);
            }
            out.add(x);
        }
        return out;
    }

    /** How many chunks {@link #send} sends: Σ over the streams of ceil(stream length / chunk). */
    static long chunkCount(Utterances u, int streams, int chunkMs) {
        int size = chunkSamples(u.sampleRate(), chunkMs);
        long n = 0;
        for (float[] x : streams(u, streams)) {
            n += (x.length + size - 1) / size;
        }
        return n;
    }
}
