package io.contrastream.flink.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.contrastream.flink.config.JobConfig;
import io.contrastream.flink.model.DeadLetterRecord;
import io.contrastream.flink.model.DecodedAudio;
import io.contrastream.flink.model.RawRecord;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.runtime.state.storage.FileSystemCheckpointStorage;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link AudioStreamFunction} on RocksDB: idle streams' state expires (TTL driven by the harness's
 * TTL clock) and a returning stream starts afresh, a live stream never expires under the TTL, a huge
 * forward jump of the sequence number is refused without touching the stream, and dead-letter reasons
 * are short and never quote the stream id.
 */
class AudioStreamFunctionTest {
    @TempDir
    Path tmp;

    JobConfig cfg(String... more) {
        Map<String, String> m = new LinkedHashMap<>(Map.of("method", "cpc", "window-samples", "4000", "batch", "2",
                "cpc-channels", "16", "cpc-gru", "16", "cpc-steps", "3", "model-store",
                tmp.resolve("models").toUri().toString()));
        for (int i = 0; i < more.length; i += 2) {
            m.put(more[i], more[i + 1]);
        }
        return JobConfig.of(m);
    }

    KeyedOneInputStreamOperatorTestHarness<String, DecodedAudio, DecodedAudio> harness(JobConfig cfg)
            throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(new AudioStreamFunction(cfg)),
                a -> a.streamId, Types.STRING);
        h.setStateBackend(new EmbeddedRocksDBStateBackend(true));
        h.setCheckpointStorage(new FileSystemCheckpointStorage(tmp.resolve("ck").toUri()));
        return h;
    }

    /** A 22,050 Hz chunk with its Kafka coordinates (offset = 1000 + seq, the value a few bytes). */
    static DecodedAudio chunk(String stream, long seq) {
        DecodedAudio a = CpcStreamFunctionTest.chunk(stream, seq);
        a.raw = new RawRecord("audio", 3, 1000 + seq, stream.getBytes(), new byte[] {1, 2, 3});
        return a;
    }

    /** Feeds chunks; returns what passed (in order). */
    static List<DecodedAudio> feed(KeyedOneInputStreamOperatorTestHarness<String, DecodedAudio, DecodedAudio> h,
            DecodedAudio... in) throws Exception {
        int before = h.getOutput().size();
        for (DecodedAudio a : in) {
            h.processElement(new StreamRecord<>(a));
        }
        List<DecodedAudio> out = new ArrayList<>();
        List<Object> all = new ArrayList<>(h.getOutput());
        for (Object o : all.subList(before, all.size())) {
            out.add((DecodedAudio) ((StreamRecord<?>) o).getValue());
        }
        return out;
    }

    static List<DeadLetterRecord> dead(KeyedOneInputStreamOperatorTestHarness<String, DecodedAudio, DecodedAudio> h) {
        List<DeadLetterRecord> out = new ArrayList<>();
        var q = h.getSideOutput(DecodeFunction.DEAD_LETTERS);
        if (q != null) {
            q.forEach(r -> out.add(r.getValue()));
        }
        return out;
    }

    /** The stream's last sequence number as the operator's state backend returns it (TTL applied). */
    static Long lastSequence(KeyedOneInputStreamOperatorTestHarness<String, DecodedAudio, DecodedAudio> h,
            String stream, long ttlMs) throws Exception {
        KeyedStateBackend<String> b = h.getOperator().getKeyedStateBackend();
        b.setCurrentKey(stream);
        ValueState<Long> s = b.getPartitionedState(VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE,
                AudioStreamFunction.descriptor("last-sequence", Types.LONG, AudioStreamFunction.idleTtl(ttlMs)));
        return s.value();
    }

    @Test
    void anIdleStreamsStateExpiresAndItsReturnIsANewStream() throws Exception {
        try (var h = harness(cfg("stream-idle-ttl-ms", "60000"))) {
            h.open();
            h.setStateTtlProcessingTime(1_000);
            assertThat(feed(h, chunk("a", 0), chunk("a", 1), chunk("b", 0))).extracting(x -> x.restart)
                    .containsExactly(true, false, true);
            h.setStateTtlProcessingTime(1_000 + 59_999); // just inside the TTL: b is kept alive by a chunk
            assertThat(feed(h, chunk("b", 1))).extracting(x -> x.restart).containsExactly(false);
            assertThat(lastSequence(h, "a", 60_000)).isEqualTo(1L);
            h.setStateTtlProcessingTime(1_000 + 60_001); // a idle for more than the TTL, b not
            assertThat(lastSequence(h, "a", 60_000)).as("expired state is never returned").isNull();
            assertThat(lastSequence(h, "b", 60_000)).isEqualTo(1L);
            // a comes back with a sequence number it already used: a new stream now, not a replay
            List<DecodedAudio> back = feed(h, chunk("a", 1), chunk("a", 2), chunk("b", 2));
            assertThat(back).extracting(x -> x.streamId + "/" + x.sequenceNumber + "/" + x.restart)
                    .containsExactly("a/1/true", "a/2/false", "b/2/false");
            assertThat(dead(h)).isEmpty();
        }
    }

    @Test
    void aLiveStreamNeverExpiresThoughSomeOfItsStateIsSetOnlyAtRestarts() throws Exception {
        // the sample rate used to be written only at a restart: under a TTL it would expire mid-stream
        try (var h = harness(cfg("stream-idle-ttl-ms", "1000"))) {
            h.open();
            List<Boolean> restarts = new ArrayList<>();
            for (long seq = 0; seq < 10; seq++) {
                h.setStateTtlProcessingTime(seq * 600); // every chunk within the TTL, ten chunks over 5 TTLs
                feed(h, chunk("a", seq)).forEach(x -> restarts.add(x.restart));
            }
            assertThat(restarts).hasSize(10).containsExactly(true, false, false, false, false, false, false, false,
                    false, false);
            assertThat(dead(h)).isEmpty();
        }
    }

    @Test
    void stateSavedWithoutTtlIsRestoredUnderATtl() throws Exception {
        // a savepoint of the job before this change (no TTL) must restore into one with the TTL on
        org.apache.flink.runtime.checkpoint.OperatorSubtaskState snap;
        try (var h = harness(cfg("stream-idle-ttl-ms", "0"))) {
            h.open();
            feed(h, chunk("a", 0), chunk("a", 1));
            snap = h.snapshot(1L, 1L);
        }
        try (var h = harness(cfg("stream-idle-ttl-ms", "60000"))) {
            h.setup();
            h.initializeState(snap);
            h.open();
            h.setStateTtlProcessingTime(10_000);
            assertThat(feed(h, chunk("a", 1), chunk("a", 2))).extracting(x -> x.sequenceNumber + "/" + x.restart)
                    .containsExactly("2/false");
            assertThat(dead(h)).singleElement().satisfies(d -> assertThat(d.reason).contains("already processed"));
            h.setStateTtlProcessingTime(10_000 + 60_000);
            assertThat(feed(h, chunk("a", 3))).extracting(x -> x.restart).containsExactly(true);
        }
    }

    @Test
    void zeroTtlKeepsStateForever() throws Exception {
        try (var h = harness(cfg("stream-idle-ttl-ms", "0"))) {
            h.open();
            h.setStateTtlProcessingTime(0);
            feed(h, chunk("a", 0));
            h.setStateTtlProcessingTime(Long.MAX_VALUE / 2);
            assertThat(feed(h, chunk("a", 0))).isEmpty(); // still known: a replay
            assertThat(dead(h)).singleElement().satisfies(d -> assertThat(d.reason).contains("already processed"));
        }
    }

    @Test
    void aHugeForwardJumpIsRefusedAndTheStreamGoesOn() throws Exception {
        try (var h = harness(cfg())) {
            h.open();
            DecodedAudio hijack = chunk("a", Long.MAX_VALUE);
            List<DecodedAudio> out = feed(h, chunk("a", 0), chunk("a", 1), hijack, chunk("a", 2), chunk("a", 3));
            assertThat(out).extracting(x -> x.sequenceNumber + "/" + x.restart)
                    .containsExactly("0/true", "1/false", "2/false", "3/false");
            assertThat(dead(h)).singleElement().satisfies(d -> {
                assertThat(d.reason).contains("jumps too far ahead").contains("max-sequence-jump 100000");
                assertThat(d.offset).isEqualTo(hijack.raw.offset);
                assertThat(d.partition).isEqualTo(3);
                assertThat(d.raw).containsExactly(1, 2, 3);
            });
        }
    }

    @Test
    void aJumpUpToTheLimitIsAGapAndOneBeyondItIsRefused() throws Exception {
        try (var h = harness(cfg("max-sequence-jump", "10"))) {
            h.open();
            List<DecodedAudio> out = feed(h, chunk("a", 0), chunk("a", 10), chunk("a", 21), chunk("a", 20),
                    chunk("a", 21));
            assertThat(out).extracting(x -> x.sequenceNumber + "/" + x.restart)
                    .containsExactly("0/true", "10/true", "20/true", "21/false");
            assertThat(dead(h)).singleElement().satisfies(d -> assertThat(d.reason).contains("jumps too far ahead"));
        }
    }

    @Test
    void reasonsAreShortAndNeverQuoteTheStreamId() throws Exception {
        String id = "stream-" + "x".repeat(5000);
        try (var h = harness(cfg())) {
            h.open();
            feed(h, chunk(id, 5), chunk(id, 5), chunk(id, 4), chunk(id, Long.MAX_VALUE));
            List<DeadLetterRecord> d = dead(h);
            assertThat(d).hasSize(3);
            assertThat(d).allSatisfy(x -> {
                assertThat(x.reason).doesNotContain("stream-x").hasSizeLessThan(160);
                assertThat(x.topic).isEqualTo("audio");
            });
        }
    }

    @Test
    void anAcceptedChunkKeepsItsCoordinatesButNotItsBytes() throws Exception {
        try (var h = harness(cfg())) {
            h.open();
            DecodedAudio out = feed(h, chunk("a", 7)).get(0);
            assertThat(out.raw.topic).isEqualTo("audio");
            assertThat(out.raw.partition).isEqualTo(3);
            assertThat(out.raw.offset).isEqualTo(1007);
            assertThat(out.raw.key).isEqualTo("a".getBytes());
            assertThat(out.raw.value).isEmpty();
        }
    }
}
