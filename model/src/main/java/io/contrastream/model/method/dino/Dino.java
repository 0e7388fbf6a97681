package io.contrastream.model.method.dino;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import io.contrastream.model.augment.image.Augmentations;
import io.contrastream.model.encoder.EncoderConfig;
import io.contrastream.model.head.DinoHead;
import io.contrastream.model.loss.DinoLoss;
import io.contrastream.model.method.AbstractRecipe;
import io.contrastream.model.method.MethodSpec;
import io.contrastream.model.method.MomentumCopy;
import io.contrastream.model.method.MomentumSchedule;
import io.contrastream.model.method.RecipeParams;
import io.contrastream.model.method.ViewBatch;
import io.contrastream.model.method.byol.Byol;
import io.contrastream.model.optim.OptimizerParams;
import io.contrastream.model.param.Params;
import io.contrastream.model.state.ParameterIO;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;

/**
 * DINO (Caron et al., ICCV 2021, "Emerging Properties in Self-Supervised Vision Transformers",
 * arXiv:2104.14294): self-distillation with no labels; a student matches the centred, sharpened
 * output distribution of a teacher that is an EMA of the student.
 *
 * <pre>{@code
 * Dino dino = new Dino(Dino.SPEC.defaults(), EncoderConfig.preset("vit-tiny", 1, 28));
 * StepResult s = dino.step(batch);   // 2 global views + local-crops small ones
 * }</pre>
 *
 * <p>One step (Algorithm 1): s_v = head(f(x_v)) and t_v = head′(f′(x_v)) without gradient for both
 * views; loss = {@link DinoLoss} over the pairs (t₁ → s₂, t₂ → s₁) with the teacher centred by c and
 * sharpened by τ_t, the student at τ_s ({@code temperature}); update θ; then θ′ ← m·θ′ + (1 − m)·θ
 * with m raised to 1 on a cosine ({@link MomentumSchedule}), and c ← λ·c + (1 − λ)·mean of the
 * teacher outputs of both views. τ_t rises linearly from {@code teacher-temp-start} to
 * {@code teacher-temp} over {@code teacher-temp-warmup} steps. The head is {@link DinoHead} (MLP,
 * L2 normalisation, weight-normalised last layer with its gain fixed at 1).
 *
 * <p>Multi-crop ({@code local-crops} = L &gt; 0): views 2.. are L small crops ({@code local-crop-size},
 * area 0.05–0.4; the global crops 0.4–1) that only the student sees, in one pass; each teacher view
 * teaches every other student view ({@link DinoLoss}), and the centre follows the teacher's global
 * views only. The paper's 2 x 224 + 8 x 96 becomes 2 x 28 + 4 x 14 here by default (2 cores); on
 * the ViT the small crops have fewer patches and the position embeddings are interpolated
 * ({@code VisionTransformer}). Left out: gradient clipping, freezing the last layer in the first
 * epoch and the weight-decay schedule. The encoder is the caller's: {@code vit-tiny} for the
 * paper's setting.
 */
public final class Dino extends AbstractRecipe {
    /** Caron et al. 2021; use the vit-tiny encoder for the paper's ViT. */
    public static final MethodSpec SPEC = MethodSpec.builder("dino", Dino::new)
            .params(RecipeParams.COMMON, RecipeParams.PROJECTOR_SHAPE, RecipeParams.TARGET, RecipeParams.MULTI_CROP,
                    List.of(RecipeParams.TEMPERATURE, RecipeParams.OUT_DIM, RecipeParams.TEACHER_TEMP,
                            RecipeParams.TEACHER_TEMP_START, RecipeParams.TEACHER_TEMP_WARMUP,
                            RecipeParams.CENTER_MOMENTUM))
            // Caron et al. 2021: tau_s 0.1, tau_t 0.04 -> 0.07, centre 0.9, AdamW lr 5e-4 wd 0.04
            .defaults(p -> p.set(RecipeParams.TEMPERATURE, 0.1).set(OptimizerParams.OPTIMIZER, "adamw")
                    .set(OptimizerParams.LR, 5e-4).set(OptimizerParams.MOMENTUM, 0.9)
                    .set(OptimizerParams.WEIGHT_DECAY, 0.04).set(RecipeParams.PROJ_LAYERS, 3)
                    .set(RecipeParams.PROJ_HIDDEN, 512).set(RecipeParams.PROJ_DIM, 128).set(RecipeParams.OUT_DIM, 1024)
                    .set(RecipeParams.BASE_TARGET_MOMENTUM, 0.99)
                    .set(RecipeParams.LOCAL_CROPS, 4).set(RecipeParams.LOCAL_CROP_SIZE, 14)) // paper: 8 crops of 96 on 224 (4 of 14 on 28 here)
            // DINO's global crops follow BYOL's pipeline
            .augmentation((p, enc) -> Augmentations.byol(enc.inputSize(), enc.inChannels() == 1))
            .globalViews(Byol::views)
            // global crops of scale [0.4, 1], small ones of [0.05, 0.4] with DINO's own local pipeline
            .multiCrop(0.4, (p, enc) -> Augmentations.dinoLocal(enc.inputSize(), enc.inChannels() == 1))
            .build();

    private final Block student; // f then head
    private final MomentumCopy teacher; // f′ then head′
    private final NDArray center; // center: 1 x K, long-lived
    private final float studentTemp;
    private final double teacherTempStart;
    private final double teacherTemp;
    private final long teacherTempWarmup;
    private final float centerMomentum;
    private final double baseMomentum;
    private final long totalSteps;
    private final int localCrops;
    private NDArray pendingMean; // mean teacher output of the current step, on the step manager

    public Dino(Params params, EncoderConfig enc) {
        this(params, enc, null);
    }

    public Dino(Params params, EncoderConfig enc, ai.djl.Device device) {
        super(SPEC, params, enc, device);
        if (params.get(RecipeParams.PROJ_LAYERS) != 3) {
            throw new IllegalArgumentException("dino's head has 3 MLP layers; proj-layers must be 3");
        }
        int hidden = params.get(RecipeParams.PROJ_HIDDEN);
        int bottleneck = params.get(RecipeParams.PROJ_DIM);
        int k = params.get(RecipeParams.OUT_DIM);
        this.student = withEncoder(registerHead(DinoHead.build(hidden, bottleneck, k)));
        this.teacher = momentumCopy(student, () -> DinoHead.build(hidden, bottleneck, k));
        this.center = manager.zeros(new Shape(1, k));
        this.studentTemp = params.get(RecipeParams.TEMPERATURE).floatValue();
        this.teacherTempStart = params.get(RecipeParams.TEACHER_TEMP_START);
        this.teacherTemp = params.get(RecipeParams.TEACHER_TEMP);
        this.teacherTempWarmup = params.get(RecipeParams.TEACHER_TEMP_WARMUP);
        this.centerMomentum = params.get(RecipeParams.CENTER_MOMENTUM).floatValue();
        this.baseMomentum = params.get(RecipeParams.BASE_TARGET_MOMENTUM);
        this.totalSteps = params.get(OptimizerParams.TOTAL_STEPS);
        this.localCrops = params.get(RecipeParams.LOCAL_CROPS);
        initOptimizer();
    }

    /** τ_t at step k: linear from start to end over {@code warmup} steps, then end. */
    public static float teacherTemperature(double start, double end, long warmup, long k) {
        if (k >= warmup) {
            return (float) end;
        }
        return (float) (start + (end - start) * k / (double) warmup);
    }

    @Override
    protected NDArray loss(NDManager sm, ViewBatch batch) {
        int n = batch.size();
        NDArray x1 = batch.view(sm, 0); // x1: N x C x H x W
        NDArray x2 = batch.view(sm, 1); // x2: N x C x H x W
        NDArray t1 = noGrad(() -> forward(teacher.block(), sm, x1, true)); // t1: N x K
        NDArray t2 = noGrad(() -> forward(teacher.block(), sm, x2, true)); // t2: N x K
        NDArray[] s = new NDArray[2 + localCrops];
        s[0] = forward(student, sm, x1, true); // s1: N x K
        s[1] = forward(student, sm, x2, true); // s2: N x K
        if (localCrops > 0) { // multi-crop: the student alone sees the small crops, in one pass
            NDList small = new NDList();
            for (int v = 2; v < 2 + localCrops; v++) {
                small.add(batch.view(sm, v)); // N x C x h x w
            }
            NDArray out = forward(student, sm, NDArrays.concat(small, 0), true); // out: (L·N) x K
            for (int v = 0; v < localCrops; v++) {
                s[2 + v] = out.get("{}:{}", v * n, (v + 1) * n); // N x K
            }
        }
        pendingMean = noGrad(() -> t1.mean(new int[] {0}, true).add(t2.mean(new int[] {0}, true))
                .mul(sm.create(0.5f))); // pendingMean: 1 x K
        float tauT = teacherTemperature(teacherTempStart, teacherTemp, teacherTempWarmup, stepCount());
        return DinoLoss.compute(s, new NDArray[] {t1, t2}, center, studentTemp, tauT);
    }

    @Override
    protected void afterUpdate(NDManager sm, ViewBatch batch) {
        teacher.update(MomentumSchedule.cosineToOne(baseMomentum, stepCount(), totalSteps)); // stepCount(): this k
        float lambda = centerMomentum;
        NDArray take = pendingMean.mul(sm.create(1f - lambda)); // take: 1 x K, on sm
        center.muli(sm.create(lambda)).addi(take); // c ← λ·c + (1 − λ)·mean
        pendingMean = null;
    }

    /** The teacher network (EMA of encoder + head). */
    public MomentumCopy teacherNetwork() {
        return teacher;
    }

    /** A copy of the centre c (K values). */
    public float[] center() {
        return center.toFloatArray();
    }

    @Override
    protected void writeExtra(DataOutputStream out, boolean withQueue) throws IOException {
        ParameterIO.write(teacher.block(), out);
        float[] c = center.toFloatArray();
        out.writeInt(c.length);
        for (float v : c) {
            out.writeFloat(v);
        }
    }

    @Override
    protected void readExtra(DataInputStream in, boolean withQueue) throws IOException {
        ParameterIO.read(teacher.block(), in);
        int n = in.readInt();
        if (n != center.size()) {
            throw new IOException("state holds a centre of " + n + " values but the head has " + center.size());
        }
        float[] c = new float[n];
        for (int i = 0; i < n; i++) {
            c[i] = in.readFloat();
        }
        ParameterIO.assign(center, c);
    }
}
