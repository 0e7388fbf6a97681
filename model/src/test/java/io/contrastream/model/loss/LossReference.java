package io.contrastream.model.loss;

/** Slow loops written from the papers, in double precision, as the references for the loss tests. */
final class LossReference {
    private LossReference() {}

    static double[][] normalize(double[][] x) {
        double[][] out = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            double n = 0;
            for (double v : x[i]) {
                n += v * v;
            }
            n = Math.sqrt(n);
            out[i] = new double[x[i].length];
            for (int j = 0; j < x[i].length; j++) {
                out[i][j] = x[i][j] / n;
            }
        }
        return out;
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    /** SimCLR eq. 1, averaged over all 2N anchors. */
    static double ntXent(double[][] z1, double[][] z2, double tau) {
        int n = z1.length;
        double[][] z = new double[2 * n][];
        double[][] a = normalize(z1);
        double[][] b = normalize(z2);
        for (int i = 0; i < n; i++) {
            z[i] = a[i];
            z[i + n] = b[i];
        }
        double total = 0;
        for (int i = 0; i < 2 * n; i++) {
            int pos = (i + n) % (2 * n);
            double denom = 0;
            for (int k = 0; k < 2 * n; k++) {
                if (k != i) {
                    denom += Math.exp(dot(z[i], z[k]) / tau);
                }
            }
            total += -Math.log(Math.exp(dot(z[i], z[pos]) / tau) / denom);
        }
        return total / (2 * n);
    }

    /** MoCo eq. 1 with queue negatives, averaged over the batch. */
    static double infoNce(double[][] q, double[][] k, double[][] queue, double tau) {
        double[][] qn = normalize(q);
        double[][] kn = normalize(k);
        double total = 0;
        for (int i = 0; i < q.length; i++) {
            double pos = Math.exp(dot(qn[i], kn[i]) / tau);
            double denom = pos;
            for (double[] neg : queue) {
                denom += Math.exp(dot(qn[i], neg) / tau);
            }
            total += -Math.log(pos / denom);
        }
        return total / q.length;
    }

    /** Ye et al. 2019 eq. 5, divided by the batch size. */
    static double invaSpread(double[][] f, double[][] fHat, double tau) {
        int n = f.length;
        double[][] a = normalize(f);
        double[][] b = normalize(fHat);
        double total = 0;
        for (int j = 0; j < n; j++) {
            double denom = 0;
            for (int k = 0; k < n; k++) {
                denom += Math.exp(dot(a[k], b[j]) / tau);
            }
            for (int i = 0; i < n; i++) {
                double p = Math.exp(dot(a[i], b[j]) / tau) / denom;
                total += i == j ? -Math.log(p) : -Math.log(1 - p);
            }
        }
        return total / n;
    }
}
