package io.contrastream.cli;

import io.contrastream.connectors.format.AvroCodec;
import io.contrastream.connectors.format.avro.CpcPrediction;
import io.contrastream.flink.config.JobConfig;
import io.contrastream.flink.config.JobParams;
import io.contrastream.flink.job.StreamingJob;
import io.contrastream.kafka.EmbeddedKafka;
import io.contrastream.model.data.audio.Utterances;
import io.contrastream.model.data.audio.WavFolderReader;
import io.contrastream.model.eval.LinearProbe;
import io.contrastream.model.method.cpc.Cpc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * {@code contrastream demo --modality audio}: CPC on live audio, everything embedded. A speech corpus
 * (espeak-ng's voices via {@code make-speech}; a built-in synthetic one with a message when espeak-ng
 * is missing) is streamed as interleaved 100 ms chunks of S streams into the broker; the job trains
 * CPC online and writes one prediction (c_t, W_k c_t, surprise) per chunk; a read_committed consumer
 * reads them all, and a linear probe on the chunks' c_t tells the speakers apart (held-out
 * utterances). Last line: {@code demo: streams=S chunks=N predictions=N model_version=V speaker_probe=0.xxxx}.
 *
 * <pre>{@code
 * AudioDemo.run(work, null, 8, Map.of(), 8081);
 * }</pre>
 */
final class AudioDemo {
    private AudioDemo() {}

    static int run(Path work, String data, int streams, Map<String, String> overrides, int webPort) throws Exception {
        long start = System.nanoTime();
        Utterances u = corpus(work, data);
        System.err.printf(Locale.ROOT, "demo: %d utterances, %d speakers, %d words, %.0f s of audio at %d Hz%n",
                u.size(), u.speakers().size(), u.words().size(), u.seconds(), u.sampleRate());
        long expected = AudioProducer.chunkCount(u, streams, 100);
        try (EmbeddedKafka kafka = EmbeddedKafka.start(work.resolve("kafka"), 0)) {
            Map<String, String> settings = new LinkedHashMap<>();
            settings.put("method", Cpc.SPEC.name());
            settings.put("window-samples", "8000"); // 0.5 s windows: CPU-sized steps (the paper: 20,480)
            settings.put("publish-every", "5");
            settings.putAll(overrides);
            JobConfig cfg = EmbeddedRun.config(settings, kafka, work, "demo-audio");
            kafka.createTopics(2, StreamingJob.topics(cfg));
            AtomicLong produced = new AtomicLong();
            Thread producer = new Thread(() -> {
                try {
                    AudioProducer.send(kafka.bootstrapServers(), cfg.get(JobParams.AUDIO_TOPIC), u, "speech", streams,
                            100, 0, produced);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "demo-audio-producer");
            producer.setDaemon(true);
            producer.start();
            JobClient job = EmbeddedRun.startWithWebUi(cfg, webPort, "contrastream-demo-audio");
            Map<String, float[]> contexts = new HashMap<>();
            long version = consume(kafka.bootstrapServers(), cfg.get(JobParams.CPC_PREDICTIONS_TOPIC), expected,
                    produced, contexts, start);
            job.cancel().get();
            double probe = speakerProbe(u, streams, contexts);
            System.err.printf(Locale.ROOT, "demo: finished in %.0f s%n", (System.nanoTime() - start) / 1e9);
            System.out.printf(Locale.ROOT, "demo: streams=%d chunks=%d predictions=%d model_version=%d"
                    + " speaker_probe=%.4f%n", Math.min(streams, u.size()), expected, contexts.size(), version, probe);
        }
        return 0;
    }

    /**
     * The corpus: DIR of {@code --data wavfolder:DIR}, a small built-in one for {@code --data synthetic}, else
     * make-speech into the work dir, else (no espeak-ng) the built-in one at full size.
     */
    static Utterances corpus(Path work, String data) throws Exception {
        if ("synthetic".equals(data)) {
            return synthetic(4, 3, 2, 16_000);
        }
        if (data != null) {
            if (!data.startsWith("wavfolder:")) {
                throw new IllegalArgumentException("audio demo data must be wavfolder:DIR or synthetic, got " + data);
            }
            return WavFolderReader.read(Path.of(data.substring("wavfolder:".length())));
        }
        Path speech = work.resolve("speech");
        if (Files.isExecutable(Path.of(MakeSpeechCommand.ESPEAK))) {
            MakeSpeechCommand make = new MakeSpeechCommand();
            make.out = speech;
            make.speakers = 8;
            make.perWord = 3;
            make.words = 0;
            make.vocabulary = "default";
            make.seed = 7;
            make.espeak = Path.of(MakeSpeechCommand.ESPEAK);
            System.err.println("demo: making a speech corpus with espeak-ng in " + speech);
            if (make.call() == 0) {
                return WavFolderReader.read(speech);
            }
        }
        System.err.println("demo: espeak-ng is not installed (apt-get install espeak-ng): streaming a built-in"
                + " synthetic corpus of harmonic 'voices' instead");
        return synthetic(6, 5, 3, 16_000);
    }

    /** Speakers = fundamental frequency and timbre; words = pitch contour and length. */
    static Utterances synthetic(int speakers, int words, int perWord, int rate) {
        List<float[]> audio = new ArrayList<>();
        List<String> spk = new ArrayList<>();
        List<String> wrd = new ArrayList<>();
        for (int s = 0; s < speakers; s++) {
            spk.add("synthetic-" + s);
        }
        for (int w = 0; w < words; w++) {
            wrd.add("contour-" + w);
        }
        int n = speakers * words * perWord;
        int[] sl = new int[n];
        int[] wl = new int[n];
        Random r = new Random(7);
        int i = 0;
        for (int s = 0; s < speakers; s++) {
            for (int w = 0; w < words; w++) {
                for (int k = 0; k < perWord; k++) {
                    double f0 = 90 + 35 * s + r.nextGaussian() * 3;
                    int len = (int) (rate * (0.4 + 0.1 * w));
                    float[] x = new float[len];
                    double phase = 0;
                    for (int t = 0; t < len; t++) {
                        double f = f0 * (1 + 0.2 * Math.sin(Math.PI * (w + 1) * t / len));
                        phase += 2 * Math.PI * f / rate;
                        double v = 0;
                        for (int h = 1; h <= 6; h++) {
                            v += Math.sin(h * phase) / (h + (s % 3));
                        }
                        x[t] = (float) (0.25 * v * Math.sin(Math.PI * t / len) + 0.01 * r.nextGaussian());
                    }
                    audio.add(x);
                    sl[i] = s;
                    wl[i] = w;
                    i++;
                }
            }
        }
        return new Utterances(audio, rate, spk, wrd, sl, wl);
    }

    /** Reads committed predictions until every chunk has one (or nothing new for 3 minutes). */
    private static long consume(String bootstrap, String topic, long n, AtomicLong produced, Map<String, float[]> out,
            long start) throws Exception {
        AvroCodec<CpcPrediction> codec = AvroCodec.of(CpcPrediction.class);
        long duplicates = 0;
        long version = 0;
        long lastPrint = 0;
        long lastProgress = System.nanoTime();
        try (KafkaConsumer<byte[], byte[]> c = EmbeddedRun.fromStart(bootstrap, topic, "read_committed")) {
            while (out.size() < n && System.nanoTime() - lastProgress < 180_000_000_000L) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                    CpcPrediction p = codec.decode(r.value());
                    float[] ctx = new float[p.getContext().size()];
                    for (int k = 0; k < ctx.length; k++) {
                        ctx[k] = p.getContext().get(k);
                    }
                    if (out.put(p.getStreamId() + "/" + p.getSequenceNumber(), ctx) != null) {
                        duplicates++;
                    }
                    version = Math.max(version, p.getModelVersion());
                    lastProgress = System.nanoTime();
                }
                long now = System.nanoTime();
                if (now - lastPrint > 2_000_000_000L || out.size() == n) {
                    lastPrint = now;
                    System.err.printf(Locale.ROOT, "demo: %4.0f s  chunks in %d/%d  predictions %d  model version %d%n",
                            (now - start) / 1e9, produced.get(), n, out.size(), version);
                }
            }
        }
        if (duplicates > 0) {
            throw new IllegalStateException(duplicates + " duplicate predictions: exactly-once violated");
        }
        return version;
    }

    /**
     * Linear probe of the speaker on the chunks' c_t: a chunk's label is the speaker of the utterance under its
     * midpoint (chunks in the silence between utterances are left out); utterances with index % 4 == 3 are held out.
     */
    static double speakerProbe(Utterances u, int streams, Map<String, float[]> contexts) {
        int size = AudioProducer.chunkSamples(u.sampleRate(), 100);
        List<float[]> trainX = new ArrayList<>();
        List<Integer> trainY = new ArrayList<>();
        List<float[]> testX = new ArrayList<>();
        List<Integer> testY = new ArrayList<>();
        long[][] layout = AudioProducer.layout(u, streams);
        for (int s = 0; s < layout.length; s++) {
            for (int j = 0; j + 1 < layout[s].length; j++) {
                int k = s + j * streams;
                long pos = layout[s][j];
                long end = pos + u.audio().get(k).length;
                for (long r = pos / size; r * size < end; r++) {
                    long mid = r * size + size / 2;
                    float[] ctx = contexts.get("speech-" + s + "/" + r);
                    if (mid < pos || mid >= end || ctx == null || ctx.length == 0) {
                        continue;
                    }
                    boolean test = k % 4 == 3;
                    (test ? testX : trainX).add(ctx);
                    (test ? testY : trainY).add(u.speaker()[k]);
                }
            }
        }
        if (trainX.isEmpty() || testX.isEmpty()) {
            return Double.NaN;
        }
        float[][] tr = trainX.toArray(float[][]::new);
        float[][] te = testX.toArray(float[][]::new);
        LinearProbe.standardise(tr, te);
        return LinearProbe.top1(tr, trainY.stream().mapToInt(Integer::intValue).toArray(), te,
                testY.stream().mapToInt(Integer::intValue).toArray(), u.speakers().size(), LinearProbe.Options.defaults());
    }
}
