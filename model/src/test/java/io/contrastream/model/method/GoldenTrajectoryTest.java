package io.contrastream.model.method;

import static org.assertj.core.api.Assertions.assertThat;

import io.contrastream.model.encoder.EncoderConfig;
import io.contrastream.model.method.cpc.Cpc;
import io.contrastream.model.method.cpc.CpcRecipeTest;
import io.contrastream.model.method.registry.Recipes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Behaviour pinned across restructurings: for every case of {@link RecipeStateTest#cases()} and for
 * CPC, the losses of four seeded steps and a summary of the embeddings afterwards, compared with
 * {@code golden/trajectories.txt} recorded before the redesign. A refactoring that changes what a
 * method computes fails here; one that only reorders float operations stays within 1e-5 (relative).
 *
 * <p>Re-record (only when a change of behaviour is intended, and say so in the commit):
 * {@code mvn -pl model test -Dtest=GoldenTrajectoryTest -Dgolden.write=$PWD/model/src/test/resources/golden/trajectories.txt}
 */
class GoldenTrajectoryTest {
    static final int STEPS = 4;

    @Test
    void everyMethodFollowsItsRecordedTrajectory() throws IOException {
        Map<String, double[]> now = new LinkedHashMap<>();
        for (String c : RecipeStateTest.cases()) {
            now.put(c, imageTrajectory(c));
        }
        now.put("cpc", cpcTrajectory());
        String write = System.getProperty("golden.write");
        if (write != null) {
            StringBuilder sb = new StringBuilder();
            now.forEach((k, v) -> {
                sb.append(k);
                for (double d : v) {
                    sb.append(' ').append(String.format(Locale.ROOT, "%.9g", d));
                }
                sb.append('\n');
            });
            Files.writeString(Path.of(write), sb.toString());
            return;
        }
        Map<String, double[]> golden = read();
        assertThat(now.keySet()).containsExactlyElementsOf(golden.keySet());
        int exact = 0;
        int total = 0;
        List<String> off = new ArrayList<>();
        for (var e : golden.entrySet()) {
            double[] g = e.getValue();
            double[] n = now.get(e.getKey());
            assertThat(n).hasSameSizeAs(g);
            for (int i = 0; i < g.length; i++) {
                total++;
                if ((float) g[i] == (float) n[i]) {
                    exact++;
                } else if (Math.abs(g[i] - n[i]) > 1e-5 * Math.max(1, Math.abs(g[i]))) {
                    off.add(e.getKey() + "[" + i + "]: recorded " + g[i] + ", now " + n[i]);
                }
            }
        }
        System.out.println("GoldenTrajectoryTest: " + exact + " of " + total + " figures bit-exact, " + off.size()
                + " off");
        assertThat(off).isEmpty();
    }

    /** Losses of STEPS steps, then the sum, sum of absolute values and first value of 8 embeddings. */
    static double[] imageTrajectory(String testCase) {
        String method = RecipeStateTest.method(testCase);
        EncoderConfig enc = RecipeStateTest.encoder(testCase);
        double[] out = new double[STEPS + 3];
        try (AbstractRecipe r = Recipes.create(method, RecipeStateTest.small(testCase), enc)) {
            for (int s = 0; s < STEPS; s++) {
                out[s] = r.step(TestBatches.batch(r, 8, s)).loss();
            }
            float[][] h = r.embed(TestBatches.batch(r, 8, 100).views().get(0), 8);
            summarise(h, out, STEPS);
        }
        return out;
    }

    static double[] cpcTrajectory() {
        int len = CpcRecipeTest.SHORT;
        double[] out = new double[STEPS + 3];
        try (Cpc r = new Cpc(CpcRecipeTest.small())) {
            for (int s = 0; s < STEPS; s++) {
                out[s] = r.step(CpcRecipeTest.tones(s, 4, len)).loss();
            }
            summarise(r.context(CpcRecipeTest.tones(100, 1, len).samples()), out, STEPS);
        }
        return out;
    }

    static void summarise(float[][] h, double[] out, int at) {
        double sum = 0;
        double abs = 0;
        for (float[] row : h) {
            for (float v : row) {
                sum += v;
                abs += Math.abs(v);
            }
        }
        out[at] = sum;
        out[at + 1] = abs;
        out[at + 2] = h[0][0];
    }

    static Map<String, double[]> read() throws IOException {
        Map<String, double[]> out = new LinkedHashMap<>();
        try (InputStream in = GoldenTrajectoryTest.class.getResourceAsStream("/golden/trajectories.txt")) {
            assertThat(in).as("golden/trajectories.txt").isNotNull();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank()) {
                    continue;
                }
                String[] f = line.trim().split(" ");
                double[] v = new double[f.length - 1];
                for (int i = 1; i < f.length; i++) {
                    v[i - 1] = Double.parseDouble(f[i]);
                }
                out.put(f[0], v);
            }
        }
        return out;
    }
}
