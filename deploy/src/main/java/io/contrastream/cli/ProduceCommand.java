package io.contrastream.cli;

import io.contrastream.flink.config.JobParams;
import io.contrastream.model.data.ImageSet;
import io.contrastream.model.data.audio.Utterances;
import io.contrastream.model.data.audio.WavFolderReader;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code contrastream produce}: sends an image set to a Kafka topic as PNG {@code ImageRecord}s, or a
 * speech corpus ({@code --data wavfolder:DIR}) as interleaved live streams of PCM_S16LE
 * {@code AudioChunk}s ({@link AudioProducer}).
 */
@Command(name = "produce", mixinStandardHelpOptions = true,
        description = {"Send images to Kafka as Avro ImageRecords (PNG), keyed by record id (with"
                        + " --data fashion-mnist-spoken:FMNIST_DIR:SPLIT:SPEECH_DIR each carries its utterance, 16 kHz PCM_S16LE),",
                "or, with --data wavfolder:DIR (DIR/<speaker>/<word>/*.wav), audio as Avro AudioChunks (PCM_S16LE),"
                        + " keyed by stream id."})
final class ProduceCommand implements Callable<Integer> {
    static final String WAVFOLDER = "wavfolder:";

    @Option(names = "--data", description = "SPEC as in pretrain, or wavfolder:DIR for audio (default ${DEFAULT-VALUE})",
            defaultValue = "fashion-mnist:" + DataOptions.DEFAULT_FASHION + ":train")
    String data;

    @Option(names = "--topic", description = "topic (default images, or audio for wavfolder data)")
    String topic;

    @Option(names = "--bootstrap-servers", description = "Kafka (default: the job setting bootstrap-servers')")
    String bootstrapOpt;

    @Option(names = "--rate", description = "records (audio: chunks) per second (0 = as fast as possible)",
            defaultValue = "0")
    double rate;

    @Option(names = "--limit", description = "send only the first N images or utterances (0 = all)", defaultValue = "0")
    int limit;

    @Option(names = "--streams", description = "audio: interleaved streams (default ${DEFAULT-VALUE})", defaultValue = "8")
    int streams;

    @Option(names = "--chunk-ms", description = "audio: chunk length in ms (default ${DEFAULT-VALUE})",
            defaultValue = "100")
    int chunkMs;

    @Option(names = "--source", description = "source name stamped on the records (default ${DEFAULT-VALUE})",
            defaultValue = "contrastream-produce")
    String source;

    private String bootstrap() {
        return bootstrapOpt != null ? bootstrapOpt : JobParams.BOOTSTRAP_SERVERS.defaultValue();
    }

    @Override
    public Integer call() throws Exception {
        if (data.regionMatches(true, 0, WAVFOLDER, 0, WAVFOLDER.length())) {
            return audio();
        }
        String topic = this.topic == null ? "images" : this.topic;
        ImageSet set;
        java.util.List<float[]> audio = null;
        if (io.contrastream.model.data.SpokenImageSpec.matches(data)) { // images with their spoken class names
            io.contrastream.model.data.SpokenImages spoken = DataOptions.readSpoken(data, 1, 28, limit, 42L);
            set = spoken.images();
            audio = spoken.audioPerImage();
        } else {
            set = DataOptions.read(data, 1, 28, limit);
        }
        long start = System.nanoTime();
        ImageProducer.send(bootstrap(), topic, set, audio, source, rate, new AtomicLong(), 0);
        double secs = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "produce: records=%d topic=%s seconds=%.1f%n", set.size(), topic, secs);
        return 0;
    }

    private Integer audio() throws Exception {
        String dir = data.substring(WAVFOLDER.length());
        if (dir.isBlank()) {
            throw new IllegalArgumentException("wavfolder needs a folder: wavfolder:DIR");
        }
        if (streams <= 0 || chunkMs <= 0) {
            throw new IllegalArgumentException("--streams and --chunk-ms must be positive, got " + streams + " and "
                    + chunkMs);
        }
        String topic = this.topic == null ? "audio" : this.topic;
        Utterances u = WavFolderReader.read(Path.of(dir));
        if (limit > 0 && limit < u.size()) {
            u = new Utterances(u.audio().subList(0, limit), u.sampleRate(), u.speakers(), u.words(),
                    java.util.Arrays.copyOf(u.speaker(), limit), java.util.Arrays.copyOf(u.word(), limit));
        }
        long start = System.nanoTime();
        AtomicLong sent = new AtomicLong();
        AudioProducer.send(bootstrap(), topic, u, source, streams, chunkMs, rate, sent);
        double secs = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "produce: chunks=%d streams=%d utterances=%d audio_seconds=%.1f topic=%s seconds=%.1f%n",
                sent.get(), Math.min(streams, u.size()), u.size(), u.seconds(), topic, secs);
        return 0;
    }
}
