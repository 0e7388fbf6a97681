package io.contrastream.flink;

import static org.assertj.core.api.Assertions.assertThat;

import io.contrastream.codecs.AudioEncoder;
import io.contrastream.codecs.ImageEncoder;
import io.contrastream.connectors.format.avro.AudioEncoding;
import io.contrastream.connectors.format.avro.ImageRecord;
import io.contrastream.connectors.format.avro.RecordAudio;
import io.contrastream.flink.config.JobConfig;
import io.contrastream.flink.model.DeadLetterRecord;
import io.contrastream.flink.model.DecodedImage;
import io.contrastream.flink.model.EmbeddingRecord;
import io.contrastream.flink.model.ModelUpdate;
import io.contrastream.flink.model.RawRecord;
import io.contrastream.flink.model.TrainingExample;
import io.contrastream.flink.operator.AugmentFunction;
import io.contrastream.model.data.ImageSet;
import io.contrastream.model.data.SyntheticImages;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * CMC's cross-modal pair in the streaming job on a MiniCluster: records carrying image + audio train
 * the image and audio encoders, records without audio are embedded but not trained on, and records
 * with bad audio become dead letters with their reasons.
 */
class CrossModalJobTest {
    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2)
                    .build());

    @TempDir
    Path tmp;

    JobConfig cfg() {
        return JobConfig.of(Map.of("method", "cmc", "cmc-views", "intensity,audio", "batch", "8",
                "publish-every", "2", "parallelism", "2", "checkpoint-interval-ms", "500", "max-chunk-seconds", "2",
                "model-store", tmp.resolve("models").toUri().toString(),
                "checkpoint-dir", tmp.resolve("ck").toUri().toString()));
    }

    /** A tone whose pitch follows the image's label, 0.6 s at 22,050 Hz. */
    static float[] tone(int label) {
        float[] w = new float[13230];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (0.3 * Math.sin(2 * Math.PI * (200 + 120 * label) * i / 22050.0));
        }
        return w;
    }

    static ImageRecord image(String id, ImageSet set, int i) {
        return ImageEncoder.png(id, "test", 1_000L + i, set.images().get(i), set.labels()[i]);
    }

    static RawRecord raw(ImageRecord r, long offset) {
        return new RawRecord("images", 0, offset, null, TestData.CODEC.encode(r));
    }

    static RecordAudio audio(int rate, int channels, AudioEncoding enc, byte[] bytes) {
        return RecordAudio.newBuilder().setSampleRate(rate).setChannels(channels).setEncoding(enc)
                .setBytes(ByteBuffer.wrap(bytes)).build();
    }

    /** Each kind of bad audio, with a word its dead-letter reason must contain. */
    static List<Object[]> badAudio() {
        byte[] nan = ByteBuffer.allocate(4 * 800).order(ByteOrder.LITTLE_ENDIAN).putFloat(400 * 4, Float.NaN).array();
        return List.of(
                new Object[] {audio(22050, 1, AudioEncoding.PCM_S16LE, new byte[1001]), "audio: truncated"},
                new Object[] {audio(100, 1, AudioEncoding.PCM_S16LE, new byte[200]), "audio: sample rate 100"},
                new Object[] {audio(16000, 1, AudioEncoding.F32LE, nan), "audio: non-finite"},
                new Object[] {AudioEncoder.recordAudio(new float[3 * 8000], 8000), "audio: audio chunk of 24000 frames"},
                new Object[] {audio(16000, 3, AudioEncoding.PCM_S16LE, new byte[600]), "audio: unsupported channel count 3"});
    }

    @Test
    void pairedRecordsTrainUnpairedAreEmbeddedAndBadAudioIsDeadLettered() throws Exception {
        JobConfig cfg = cfg();
        ImageSet set = SyntheticImages.generate(80, 28, 5);
        List<RawRecord> input = new ArrayList<>();
        for (int i = 0; i < 64; i++) { // 64 pairs: 8 steps of batch 8, a version every 2 steps
            ImageRecord r = image("pair-" + i, set, i);
            r.setAudio(AudioEncoder.recordAudio(tone(set.labels()[i]), 22050));
            input.add(raw(r, i));
        }
        for (int i = 64; i < 72; i++) { // no audio: embedded, not trained on
            input.add(8 * (i - 64) + 5, raw(image("plain-" + i, set, i), i));
        }
        List<Object[]> bad = badAudio();
        for (int i = 0; i < bad.size(); i++) {
            ImageRecord r = image("bad-audio-" + i, set, 72 + i);
            r.setAudio((RecordAudio) bad.get(i)[0]);
            input.add(13 * i + 2, raw(r, 100 + i));
        }
        BoundedRun.Outputs out = BoundedRun.run(cfg, input, "cross-modal-test");
        List<EmbeddingRecord> emb = out.embeddings();
        List<DeadLetterRecord> dlq = out.deadLetters();
        List<ModelUpdate> versions = out.versions();
        assertThat(emb).hasSize(72);
        assertThat(emb.stream().map(e -> e.recordId).collect(Collectors.toSet())).hasSize(72);
        assertThat(emb).allSatisfy(e -> assertThat(e.vector).as("the image side's h").hasSize(128));
        assertThat(dlq).hasSize(bad.size());
        for (Object[] b : bad) {
            assertThat(dlq).anySatisfy(d -> assertThat(d.reason).contains((String) b[1]));
        }
        assertThat(versions).extracting(v -> v.version).as("64 paired records only").containsExactly(1L, 2L, 3L, 4L);
        assertThat(versions).allSatisfy(v -> assertThat(Double.isFinite(v.loss)).isTrue());
    }

    @Test
    void theAudioViewIsAFunctionOfSeedAndRecordAndUnpairedRecordsGiveNoExample() throws Exception {
        AugmentFunction aug = new AugmentFunction(cfg());
        aug.open(null);
        ImageSet set = SyntheticImages.generate(2, 28, 5);
        DecodedImage paired = new DecodedImage("r1", "t", 1, set.images().get(0), 0);
        paired.audio = new float[12000];
        for (int i = 0; i < paired.audio.length; i++) {
            paired.audio[i] = (float) Math.sin(i * 0.2);
        }
        TrainingExample a = aug.map(paired);
        TrainingExample b = aug.map(paired);
        assertThat(a.viewCount).isEqualTo(2);
        assertThat(a.viewShapes).containsExactly(1, 28, 28, 1, 32, 32);
        assertThat(a.views).hasSize(28 * 28 + 32 * 32).isEqualTo(b.views);
        DecodedImage other = new DecodedImage("r2", "t", 1, set.images().get(0), 0);
        other.audio = paired.audio;
        assertThat(aug.map(other).views).isNotEqualTo(a.views);
        assertThat(aug.map(new DecodedImage("r3", "t", 1, set.images().get(1), 1))).isNull();
    }
}
