package io.contrastream.flink;

import static org.assertj.core.api.Assertions.assertThat;

import io.contrastream.codecs.AudioEncoder;
import io.contrastream.connectors.format.AvroCodec;
import io.contrastream.connectors.format.avro.AudioChunk;
import io.contrastream.connectors.format.avro.AudioEncoding;
import io.contrastream.flink.config.JobConfig;
import io.contrastream.flink.job.AudioJob;
import io.contrastream.flink.job.PretrainJob;
import io.contrastream.flink.model.CpcPredictionRecord;
import io.contrastream.flink.model.DeadLetterRecord;
import io.contrastream.flink.model.EmbeddingRecord;
import io.contrastream.flink.model.ModelUpdate;
import io.contrastream.flink.model.RawRecord;
import io.contrastream.flink.store.ModelStore;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audio topology on a real MiniCluster with RocksDB and checkpoints: interleaved streams of
 * 22,050 Hz chunks in, one CPC prediction per valid chunk (and its c_t as an embedding), every bad
 * chunk a dead letter with its reason, CPC versions published to the store.
 */
class AudioJobTest {
    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2)
                    .build());
    static final AvroCodec<AudioChunk> CODEC = AvroCodec.of(AudioChunk.class);

    @TempDir
    Path tmp;

    @Test
    void everyValidChunkGetsOnePredictionAndBadOnesAreDeadLettered() throws Exception {
        Map<String, String> settings = new java.util.LinkedHashMap<>(Map.of("method", "cpc", "batch", "4",
                "window-samples", "4000", "cpc-channels", "16", "cpc-gru", "16", "cpc-steps", "4", "publish-every", "2",
                "parallelism", "2", "checkpoint-interval-ms", "500"));
        settings.put("model-store", tmp.resolve("models").toUri().toString());
        settings.put("checkpoint-dir", tmp.resolve("ck").toUri().toString());
        JobConfig cfg = JobConfig.of(settings);
        int streams = 3;
        int chunks = 24; // 2.4 s per stream: 9 windows of 4,000 samples at 16 kHz each (the resampler lags a little)
        List<RawRecord> input = new ArrayList<>();
        long offset = 0;
        for (int seq = 0; seq < chunks; seq++) {
            for (int s = 0; s < streams; s++) {
                input.add(raw(offset++, CODEC.encode(AudioEncoder.pcm16("s" + s, seq, seq * 100L, tone(s, seq), 22_050))));
            }
        }
        List<Object[]> bad = List.of(
                new Object[] {chunk("bad", 0, 22_050, 1, AudioEncoding.PCM_S16LE, new byte[3]), "truncated"},
                new Object[] {chunk("bad", 1, 22_050, 3, AudioEncoding.PCM_S16LE, new byte[12]), "channel count"},
                new Object[] {chunk("bad", 2, 100, 1, AudioEncoding.PCM_S16LE, new byte[20]), "sample rate"},
                new Object[] {chunk("bad", 3, 16_000, 1, AudioEncoding.F32LE, nanFloats()), "non-finite"},
                new Object[] {"not avro at all".getBytes(), "malformed"},
                new Object[] {CODEC.encode(AudioEncoder.pcm16("s0", 5, 500L, tone(0, 5), 22_050)), "already processed"});
        for (int i = 0; i < bad.size(); i++) {
            input.add(streams * (chunks - 4) + i * 3, raw(1000 + i, (byte[]) bad.get(i)[0]));
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(
                PretrainJob.flinkConfiguration(cfg));
        PretrainJob.configure(env, cfg);
        AudioJob.Outputs out = AudioJob.build(env, env.fromData(input, TypeInformation.of(RawRecord.class))
                .setParallelism(1), cfg);
        out.predictions().sinkTo(new CollectSink<>("pred"));
        out.embeddings().sinkTo(new CollectSink<>("aemb"));
        out.deadLetters().sinkTo(new CollectSink<>("adlq"));
        out.modelVersions().sinkTo(new CollectSink<>("aver"));
        env.execute("audio-test");

        List<CpcPredictionRecord> preds = CollectSink.results("pred");
        List<EmbeddingRecord> emb = CollectSink.results("aemb");
        List<DeadLetterRecord> dlq = CollectSink.results("adlq");
        List<ModelUpdate> versions = CollectSink.results("aver");
        assertThat(preds).as("dead letters %s", dlq.stream().map(d -> d.reason).toList()).hasSize(streams * chunks);
        Set<String> keys = new HashSet<>();
        preds.forEach(p -> keys.add(p.streamId + "/" + p.sequenceNumber));
        assertThat(keys).hasSize(streams * chunks);
        assertThat(preds).allSatisfy(p -> {
            assertThat(p.context).hasSize(16);
            assertThat(p.predictions).hasNumberOfRows(4);
        });
        assertThat(preds).filteredOn(p -> p.sequenceNumber > 0).allSatisfy(p -> assertThat(p.surprise).isFinite());
        assertThat(emb).hasSize(streams * chunks);
        assertThat(dlq).hasSize(bad.size());
        for (Object[] b : bad) {
            assertThat(dlq).anySatisfy(d -> assertThat(d.reason).contains((String) b[1]));
        }
        // 3 streams x 9 windows of 4,000 samples = 27; batch 4 → 6 steps; a version every 2
        assertThat(versions).extracting(v -> v.version).containsExactly(1L, 2L, 3L);
        for (ModelUpdate v : versions) {
            assertThat(ModelStore.readEncoder(v.uri)).isEqualTo(v.encoder);
        }
        Set<Long> known = new HashSet<>(List.of(0L, 1L, 2L, 3L));
        assertThat(preds).allSatisfy(p -> assertThat(known).contains(p.modelVersion));
    }

    static RawRecord raw(long offset, byte[] value) {
        return new RawRecord("audio", 0, offset, null, value);
    }

    /** 100 ms at 22,050 Hz: a stream-specific tone with a slow vibrato. */
    static float[] tone(int stream, int seq) {
        float[] x = new float[2205];
        for (int i = 0; i < x.length; i++) {
            double t = (seq * 2205 + i) / 22_050.0;
            x[i] = (float) (0.5 * Math.sin(2 * Math.PI * (220 * (stream + 1)) * t + 3 * Math.sin(2 * Math.PI * 2 * t)));
        }
        return x;
    }

    static byte[] chunk(String stream, long seq, int rate, int channels, AudioEncoding enc, byte[] bytes) {
        return CODEC.encode(AudioChunk.newBuilder().setStreamId(stream).setSequenceNumber(seq).setEventTime(Instant.EPOCH)
                .setSampleRate(rate).setChannels(channels).setEncoding(enc).setBytes(ByteBuffer.wrap(bytes)).build());
    }

    static byte[] nanFloats() {
        ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 16; i++) {
            b.putFloat(i == 7 ? Float.NaN : 0.1f);
        }
        return b.array();
    }
}
