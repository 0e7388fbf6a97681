package io.contrastream.model.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Raw-pixel weighted kNN on Fashion-MNIST against the figures measured for this protocol (cosine,
 * τ = 0.07, pixels / 255): 0.7913 at k = 200 and 0.8459 at k = 20. Skipped when the IDX files are
 * not installed.
 */
class FashionMnistRawKnnTest {
    private static final Path DIR = Path.of("/usr/share/datasets/fashion-mnist");

    @Test
    void rawPixelKnnMatchesTheKnownFigures() throws IOException {
        String[] files = {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
            "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"};
        for (String f : files) {
            Assumptions.assumeTrue(Files.isReadable(DIR.resolve(f)), "Fashion-MNIST not installed: " + f);
        }
        float[][] trainX = images(DIR.resolve(files[0]));
        int[] trainY = labels(DIR.resolve(files[1]));
        float[][] testX = images(DIR.resolve(files[2]));
        int[] testY = labels(DIR.resolve(files[3]));
        assertThat(trainX.length).isEqualTo(60_000);
        assertThat(testX.length).isEqualTo(10_000);

        long start = System.nanoTime();
        double[] acc = KnnClassifier.top1(trainX, trainY, testX, testY, new int[] {200, 20}, 0.07, 10);
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("raw-pixel kNN: k=200 %.4f, k=20 %.4f in %.1f s%n", acc[0], acc[1], seconds);
        assertThat(acc[0]).isCloseTo(0.7913, within(0.0005));
        assertThat(acc[1]).isCloseTo(0.8459, within(0.0005));
    }

    private static DataInputStream open(Path p) throws IOException {
        InputStream in = new GZIPInputStream(Files.newInputStream(p), 1 << 16);
        return new DataInputStream(new BufferedInputStream(in, 1 << 16));
    }

    private static float[][] images(Path p) throws IOException {
        try (DataInputStream in = open(p)) {
            int magic = in.readInt();
            assertThat(magic).as("IDX3 magic of " + p).isEqualTo(0x00000803);
            int n = in.readInt();
            int pixels = in.readInt() * in.readInt();
            float[][] x = new float[n][pixels];
            byte[] row = new byte[pixels];
            for (int i = 0; i < n; i++) {
                in.readFully(row);
                for (int j = 0; j < pixels; j++) {
                    x[i][j] = (row[j] & 0xFF) / 255f;
                }
            }
            return x;
        }
    }

    private static int[] labels(Path p) throws IOException {
        try (DataInputStream in = open(p)) {
            int magic = in.readInt();
            assertThat(magic).as("IDX1 magic of " + p).isEqualTo(0x00000801);
            int[] y = new int[in.readInt()];
            for (int i = 0; i < y.length; i++) {
                y[i] = in.readUnsignedByte();
            }
            return y;
        }
    }
}
