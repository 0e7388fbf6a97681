package io.contrastream.flink;

import io.contrastream.flink.model.RawRecord;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiter;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;

/**
 * A replayable, position-checkpointed source of {@link TestData#valid} records ({@code img-0} …),
 * whose output the test releases: a {@link DataGeneratorSource} (its checkpoint holds each split's
 * next index, so a job restored from a savepoint, at any parallelism, goes on exactly where it
 * stopped) throttled by a JVM-wide gate (MiniCluster tests run in this JVM).
 *
 * <pre>{@code
 * GatedSource.open(136);   // the readers together emit 136 records, then wait
 * env.fromSource(GatedSource.of(264), WatermarkStrategy.noWatermarks(), "images").uid("images-source");
 * }</pre>
 *
 * <p>A waiting reader is idle, not blocked (the rate limiter's future is pending), so checkpoint
 * and savepoint barriers still pass it.
 */
final class GatedSource {
    private GatedSource() {}

    private static long limit;
    private static long issued;
    private static final ArrayDeque<CompletableFuture<Void>> WAITING = new ArrayDeque<>();

    /** A source of the first {@code n} valid test records. */
    static DataGeneratorSource<RawRecord> of(int n) {
        return new DataGeneratorSource<>(new Records(n), n, new Strategy(), TypeInformation.of(RawRecord.class));
    }

    /** Lets the readers emit {@code total} records in all from now on (a new run: counting restarts). */
    static synchronized void open(long total) {
        WAITING.clear(); // readers of an earlier run
        issued = 0;
        limit = total;
    }

    /** Raises the number the readers may emit in all (this run) to {@code total}. */
    static synchronized void release(long total) {
        limit = total;
        while (issued < limit && !WAITING.isEmpty()) {
            issued++;
            WAITING.poll().complete(null);
        }
    }

    private static synchronized CompletionStage<Void> acquire() {
        if (issued < limit) {
            issued++;
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> f = new CompletableFuture<>();
        WAITING.add(f);
        return f;
    }

    /** Index i → record {@code img-i}, built once per reader. */
    private static final class Records implements GeneratorFunction<Long, RawRecord> {
        private static final long serialVersionUID = 1L;
        private final int n;
        private transient List<RawRecord> records;

        Records(int n) {
            this.n = n;
        }

        @Override
        public void open(SourceReaderContext context) {
            records = TestData.valid(n);
        }

        @Override
        public RawRecord map(Long i) {
            return records.get(i.intValue());
        }
    }

    @SuppressWarnings("rawtypes")
    private static final class Strategy implements RateLimiterStrategy {
        private static final long serialVersionUID = 1L;

        @Override
        public RateLimiter createRateLimiter(int parallelism) {
            return new RateLimiter() {
                @Override
                public CompletionStage<Void> acquire(int permits) {
                    return GatedSource.acquire();
                }
            };
        }
    }
}
