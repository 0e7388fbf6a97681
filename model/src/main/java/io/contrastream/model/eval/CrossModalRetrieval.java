package io.contrastream.model.eval;

/**
 * Cross-modal retrieval by nearest neighbour in a shared embedding space: for each query (e.g. an
 * utterance's audio z) the gallery item (e.g. a test image's z) of highest cosine similarity, scored
 * by whether its class equals the query's.
 *
 * <pre>{@code
 * double top1 = CrossModalRetrieval.top1(audioZ, wordLabels, imageZ, imageLabels);   // chance ≈ 1 / classes
 * }</pre>
 *
 * <p>Rows need not be normalised (they are compared by cosine); ties go to the lower gallery index.
 * Queries with label −1 are left out.
 */
public final class CrossModalRetrieval {
    private CrossModalRetrieval() {}

    /** Fraction of labelled queries whose nearest gallery item (cosine) has the query's label. */
    public static double top1(float[][] queries, int[] queryLabels, float[][] gallery, int[] galleryLabels) {
        if (queries.length != queryLabels.length || gallery.length != galleryLabels.length) {
            throw new IllegalArgumentException("one label per row needed: " + queries.length + "/" + queryLabels.length
                    + " queries, " + gallery.length + "/" + galleryLabels.length + " gallery items");
        }
        if (gallery.length == 0) {
            throw new IllegalArgumentException("the gallery is empty");
        }
        float[][] g = unit(gallery);
        int hits = 0;
        int counted = 0;
        for (int q = 0; q < queries.length; q++) {
            if (queryLabels[q] < 0) {
                continue;
            }
            float[] a = unit(queries[q]);
            if (a.length != g[0].length) {
                throw new IllegalArgumentException("queries are " + a.length + "-d, the gallery " + g[0].length + "-d");
            }
            int best = 0;
            double bestSim = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < g.length; i++) {
                double s = 0;
                for (int d = 0; d < a.length; d++) {
                    s += a[d] * g[i][d];
                }
                if (s > bestSim) {
                    bestSim = s;
                    best = i;
                }
            }
            counted++;
            if (galleryLabels[best] == queryLabels[q]) {
                hits++;
            }
        }
        if (counted == 0) {
            throw new IllegalArgumentException("no labelled query");
        }
        return hits / (double) counted;
    }

    private static float[][] unit(float[][] rows) {
        float[][] out = new float[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            out[i] = unit(rows[i]);
        }
        return out;
    }

    private static float[] unit(float[] v) {
        double n = 0;
        for (float x : v) {
            n += (double) x * x;
        }
        double inv = n > 0 ? 1 / Math.sqrt(n) : 0;
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) (v[i] * inv);
        }
        return out;
    }
}
