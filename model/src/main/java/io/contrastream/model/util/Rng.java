package io.contrastream.model.util;

/**
 * A small, fast, splittable random stream (SplitMix64) whose whole state is one {@code long}, so it
 * can be exported with a checkpoint and restored bit-exact.
 *
 * <pre>{@code
 * Rng views = Rng.of(seed, recordId, viewIndex);  // depends only on these three numbers
 * float u = views.nextFloat();
 * long saved = views.state(); ... Rng again = Rng.fromState(saved);
 * }</pre>
 *
 * <p>Streams derived with {@link #of(long, long...)} are independent for different keys: every key
 * is mixed through the SplitMix64 finaliser before it is combined.
 */
public final class Rng {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private long state;

    private Rng(long state) {
        this.state = state;
    }

    /** A stream seeded with {@code seed}. */
    public static Rng seeded(long seed) {
        return new Rng(mix(seed));
    }

    /** A stream that depends only on {@code seed} and the given keys (e.g. subtask, record id, view). */
    public static Rng of(long seed, long... keys) {
        long s = mix(seed);
        for (long k : keys) {
            s = mix(s ^ mix(k + GOLDEN));
        }
        return new Rng(s);
    }

    /** Restores a stream from {@link #state()}. */
    public static Rng fromState(long state) {
        return new Rng(state);
    }

    /** The whole state of this stream. */
    public long state() {
        return state;
    }

    /** A new independent stream derived from this one (advances this one by one draw). */
    public Rng split() {
        return new Rng(mix(nextLong()));
    }

    public long nextLong() {
        state += GOLDEN;
        return mix(state);
    }

    /** Uniform in [0, 1). */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Uniform in [0, 1). */
    public float nextFloat() {
        return (nextLong() >>> 40) * 0x1.0p-24f;
    }

    /** Uniform in [lo, hi). */
    public double uniform(double lo, double hi) {
        return lo + (hi - lo) * nextDouble();
    }

    /** True with probability p. */
    public boolean bernoulli(double p) {
        return nextDouble() < p;
    }

    /** Uniform integer in [0, bound). */
    public int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be positive, got " + bound);
        }
        return (int) Math.floorMod(nextLong() >>> 1, (long) bound);
    }

    /** Standard normal draw (Box–Muller; one of the pair is discarded so the state stays one long). */
    public double nextGaussian() {
        double u1 = Math.max(nextDouble(), 1e-300);
        double u2 = nextDouble();
        return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
