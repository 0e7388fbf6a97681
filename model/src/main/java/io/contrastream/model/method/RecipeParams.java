package io.contrastream.model.method;

import io.contrastream.model.optim.OptimizerParams;
import io.contrastream.model.param.Param;
import java.util.ArrayList;
import java.util.List;

/**
 * Every training parameter of the image recipes, declared once with its meaning, default and allowed
 * values, and the groups the methods share ({@link #COMMON}, {@link #PROJECTOR}, {@link #QUEUE}, ...);
 * the optimizer's are {@link OptimizerParams}. Each method's {@link MethodSpec} lists the keys it
 * reads and sets its published values, scaled to 28×28 inputs on a CPU where noted (see README,
 * "Recipes and their defaults").
 *
 * <pre>{@code
 * Params p = MoCo.V2.defaults().set(RecipeParams.QUEUE_SIZE, 8192);   // or Recipes.defaults(name)
 * }</pre>
 *
 * <p>What the methods' defaults change from the published values: queue 4,096 instead of 65,536,
 * key momentum 0.99 instead of 0.999 (short runs), a 512-wide projector hidden layer for the 128-d
 * small ResNet, and SGD for SimCLR (LARS is available with {@code optimizer=lars}). The methods
 * without negatives and SimCLR v2 (published values in {@code shared/METHODS.md}):
 * <ul>
 *   <li>byol (Grill et al. 2020): projector and predictor 2 layers with batch norm (mlp-norm bn),
 *       512 hidden → 128 instead of 4096 → 256; base target momentum 0.99 instead of 0.996 (short
 *       runs, as for MoCo's key momentum), still raised to 1 on the paper's cosine when total-steps
 *       is set; SGD lr 0.06, wd 1e-4 instead of LARS lr 0.2, wd 1.5e-6 (the paper's pair is
 *       {@code optimizer=lars lr=0.2 weight-decay=1.5e-6}), as for SimCLR.
 *   <li>simsiam (Chen &amp; He 2021): the paper's SGD lr 0.05, momentum 0.9, wd 1e-4 and 3-layer
 *       projector with batch norm on every layer, output included; widths divided by 4 for the
 *       128-d h: projector 512 → 512 and predictor bottleneck 128 instead of 2048 → 2048 and 512 (the
 *       paper's 1/4 bottleneck kept). The predictor trains at the fixed base lr as in the paper's
 *       sec. 4.4 ({@code fix-pred-lr}, on by default).
 *   <li>simclr-v2 (Chen et al. 2020b): the paper's 3-layer projector with batch norm, 512 hidden →
 *       128; τ = 0.5 and SGD as this project's simclr (METHODS.md gives no τ for v2; the paper
 *       pretrains with LARS like v1); the momentum encoder and queue are off by default and, when on,
 *       use moco's scaled queue 4,096 and momentum 0.99.
 *   <li>moco-v3 (Chen, Xie &amp; He 2021): the paper's τ = 0.2, AdamW with lr 1.5e-4 × batch/256,
 *       wd 0.1, betas (0.9, 0.999), momentum 0.99 raised to 1 on a cosine (base-target-momentum,
 *       constant in an endless stream), 3-layer projector with batch norm (output included, without
 *       affine) and 2-layer predictor; widths scaled for the 128-d h: 512 hidden → 128 instead of
 *       4096 → 256 for both. No warm-up by default (the paper warms up 40 epochs; set warmup-steps
 *       for ViTs). The encoder is not a recipe parameter: pass {@code vit-tiny-frozen} (or
 *       {@code vit-tiny}) as the encoder for the paper's setting; resnet-small works too.
 *   <li>dino (Caron et al. 2021): the paper's student τ_s = 0.1, teacher τ_t 0.04 → 0.07 (linear
 *       warm-up, here over 1,000 steps instead of 30 epochs), centre momentum 0.9, AdamW lr 5e-4 ×
 *       batch/256, betas (0.9, 0.999); weight decay fixed at 0.04 (the paper raises it to 0.4 on a
 *       cosine); teacher momentum 0.99 instead of 0.996 (short runs, as for BYOL), raised to 1 on
 *       the cosine; head 512 hidden → 128 bottleneck → K = 1,024 instead of 2048 → 256 → 65,536;
 *       multi-crop with 4 small crops of 14 on 28 (the paper's 8 of 96 on 224). Not reproduced:
 *       gradient clipping at 3.0, freezing the last layer during the first epoch. Use the
 *       {@code vit-tiny} encoder for the paper's setting.
 *   <li>swav (Caron et al. 2020): the paper's τ = 0.1, Sinkhorn ε = 0.05 with 3 iterations, weight
 *       decay 1e-6 and 2-layer projector with batch norm; widths scaled for the 128-d h: 512 hidden →
 *       128 (the paper's output dim 128 kept, hidden 2048); K = 300 prototypes instead of 3,000 (the
 *       paper's ~10 × classes rule for 10-class data); SGD lr 0.06 instead of LARS lr 4.8 per 4,096
 *       (0.3 per 256), as for SimCLR; prototypes frozen for 300 steps (about the paper's first
 *       epoch); the feature queue is off (swav-queue 0; the paper uses 3,840 for batch 256 from
 *       epoch 15); multi-crop with 4 small crops of 14 on 28 (the paper's 6 of 96 on 224). Not
 *       reproduced: the LARS/cosine schedule by default.
 *   <li>cmc (Tian et al. 2019): the paper's τ = 0.07, linear 128-d head per view, SGD momentum 0.9,
 *       wd 1e-4; in-batch negatives instead of the 16,384-entry memory bank (METHODS.md allows
 *       either; a stream has no fixed instance set); lr 0.06 per 256 as the other recipes instead
 *       of 0.03; views intensity/Sobel edges for gray input (the paper's L/ab for RGB).
 * </ul>
 */
public final class RecipeParams {
    private RecipeParams() {}

    public static final Param<Long> SEED = Param.ofLong("seed", "seed of every random stream", 42L, v -> true, "any");
    public static final Param<Double> TEMPERATURE = Param.ofDouble("temperature", "softmax temperature tau of the loss",
            0.2, v -> v > 0 && v <= 10, "(0, 10]");
    public static final Param<Integer> QUEUE_SIZE = Param.ofInt("queue-size",
            "negative keys held in the queue (MoCo K)", 4096, v -> v >= 1 && v <= (1 << 24), "[1, 16777216]");
    public static final Param<Double> KEY_MOMENTUM = Param.ofDouble("key-momentum",
            "momentum m of the key encoder update", 0.99, v -> v >= 0 && v <= 1, "[0, 1]");
    public static final Param<Integer> PROJ_LAYERS = Param.ofInt("proj-layers", "Linear layers in the projector",
            2, v -> v >= 1 && v <= 3, "1, 2 or 3");
    public static final Param<Integer> PROJ_HIDDEN = Param.ofInt("proj-hidden", "hidden width of the projector",
            512, v -> v >= 1, ">= 1");
    public static final Param<Integer> PROJ_DIM = Param.ofInt("proj-dim", "output dimension of the projector",
            128, v -> v >= 1, ">= 1");
    public static final Param<Boolean> PROJ_BN = Param.ofBoolean("proj-bn", "batch norm in the projector's hidden layers",
            true);
    public static final Param<Double> AUG_STRENGTH = Param.ofDouble("aug-strength",
            "colour distortion strength s of SimCLR's augmentation", 0.5, v -> v >= 0 && v <= 2, "[0, 2]");

    public static final Param<Integer> PRED_HIDDEN = Param.ofInt("pred-hidden",
            "hidden width of the predictor (BYOL, SimSiam, MoCo v3)", 512, v -> v >= 1, ">= 1");
    public static final Param<Double> BASE_TARGET_MOMENTUM = Param.ofDouble("base-target-momentum",
            "base momentum of the EMA target (BYOL's tau_base, MoCo v3's m), raised to 1 on a cosine over"
                    + " total-steps (constant when 0)", 0.99,
            v -> v >= 0 && v <= 1, "[0, 1]");
    public static final Param<String> MLP_NORM = Param.ofChoice("mlp-norm",
            "normalisation of the hidden layers of BYOL's projector and predictor: batch norm, none, or group norm"
                    + " with weight standardisation (other methods use proj-bn)", "bn", "bn", "none", "gn-ws");
    public static final Param<Boolean> FIX_PRED_LR = Param.ofBoolean("fix-pred-lr",
            "SimSiam: the predictor trains at the base lr, neither warmed up nor decayed (the paper's sec. 4.4 setting)",
            true);
    public static final Param<Boolean> USE_MOMENTUM_ENCODER = Param.ofBoolean("use-momentum-encoder",
            "SimCLR v2: a MoCo-style momentum encoder and queue of negatives (key-momentum, queue-size)", false);

    public static final Param<Integer> BANK_SIZE = Param.ofInt("bank-size",
            "InstDisc: instances the memory bank holds (a ring: a new instance evicts the oldest)", 65536,
            v -> v >= 2 && v <= (1 << 26), "[2, 67108864]");
    public static final Param<Integer> NCE_NEGATIVES = Param.ofInt("nce-negatives",
            "InstDisc: noise samples m drawn from the bank per step", 4096, v -> v >= 1 && v <= (1 << 20), "[1, 1048576]");
    public static final Param<Double> PROXIMAL = Param.ofDouble("proximal",
            "InstDisc: weight lambda of the proximal term ||v - memory||^2", 30.0, v -> v >= 0 && v <= 1000, "[0, 1000]");
    public static final Param<String> INSTDISC_LOSS = Param.ofChoice("instdisc-loss",
            "InstDisc: nce (the paper's NCE approximation, eq. 5) or softmax (the non-parametric softmax of eq. 2"
                    + " estimated over the m sampled memories: InfoNCE against the bank)", "nce", "nce", "softmax");
    public static final Param<Double> BANK_MOMENTUM = Param.ofDouble("bank-momentum",
            "InstDisc: memory <- normalise(mu * memory + (1 - mu) * v)", 0.5, v -> v >= 0 && v < 1, "[0, 1)");

    public static final Param<Integer> OUT_DIM = Param.ofInt("out-dim",
            "DINO: outputs K of the weight-normalised last layer (proj-dim is the bottleneck before it)", 1024,
            v -> v >= 2 && v <= (1 << 20), "[2, 1048576]");
    public static final Param<Double> TEACHER_TEMP = Param.ofDouble("teacher-temp",
            "DINO: teacher temperature after the warm-up (the student's is temperature)", 0.07,
            v -> v > 0 && v <= 10, "(0, 10]");
    public static final Param<Double> TEACHER_TEMP_START = Param.ofDouble("teacher-temp-start",
            "DINO: teacher temperature at step 0, raised linearly to teacher-temp", 0.04, v -> v > 0 && v <= 10,
            "(0, 10]");
    public static final Param<Long> TEACHER_TEMP_WARMUP = Param.ofLong("teacher-temp-warmup",
            "DINO: steps of the linear teacher temperature warm-up", 1000L, v -> v >= 0, ">= 0");
    public static final Param<Double> CENTER_MOMENTUM = Param.ofDouble("center-momentum",
            "DINO: momentum of the centre of the teacher outputs (EMA of batch means)", 0.9,
            v -> v >= 0 && v < 1, "[0, 1)");

    public static final Param<Integer> PROTOTYPES = Param.ofInt("prototypes",
            "SwAV: number K of learnable prototypes (rows of unit norm)", 300, v -> v >= 2 && v <= (1 << 20),
            "[2, 1048576]");
    public static final Param<Double> SINKHORN_EPS = Param.ofDouble("sinkhorn-eps",
            "SwAV: entropic regularisation epsilon of the Sinkhorn-Knopp codes", 0.05, v -> v > 0 && v <= 10,
            "(0, 10]");
    public static final Param<Integer> SINKHORN_ITERS = Param.ofInt("sinkhorn-iters",
            "SwAV: Sinkhorn-Knopp iterations", 3, v -> v >= 1 && v <= 100, "[1, 100]");
    public static final Param<Integer> SWAV_QUEUE = Param.ofInt("swav-queue",
            "SwAV: past features kept to compute the codes over (0 = off; else >= batch)", 0,
            v -> v >= 0 && v <= (1 << 20), "0 or [batch, 1048576]");
    public static final Param<Long> FREEZE_PROTOTYPES_STEPS = Param.ofLong("freeze-prototypes-steps",
            "SwAV: steps during which the prototypes are not updated", 300L, v -> v >= 0, ">= 0");

    public static final Param<Integer> LOCAL_CROPS = Param.ofInt("local-crops",
            "SwAV, DINO: small crops per record besides the 2 large ones (multi-crop; 0 = off)", 0,
            v -> v >= 0 && v <= 16, "[0, 16]");
    public static final Param<Integer> LOCAL_CROP_SIZE = Param.ofInt("local-crop-size",
            "SwAV, DINO: side of a small crop in pixels (a multiple of the ViT patch for vit encoders)", 14,
            v -> v >= 4 && v <= 1024, "[4, 1024]");

    public static final Param<String> CMC_VIEWS = new Param<>("cmc-views",
            "CMC: views, one encoder each, comma-separated from intensity, sobel, l, ab, and audio last (the"
                    + " record's spoken audio as a log-mel view; auto: intensity,sobel for gray input, l,ab for RGB)",
            "auto", RecipeParams::validCmcViews, "auto or >= 2 distinct of intensity, sobel, l, ab, audio (last)", s -> s);
    /** The views cmc-views may name (their computation: {@code cmc.CmcViews}). */
    public static final List<String> CMC_VIEW_NAMES = List.of("intensity", "sobel", "l", "ab", "audio");
    public static final Param<String> CMC_GRAPH = Param.ofChoice("cmc-graph",
            "CMC: contrast every pair of views (full) or view 0 against each other (core)", "full", "full", "core");

    /** Every method's: the seed, then the optimizer and schedule. */
    public static final List<Param<?>> COMMON = concat(List.of(SEED), OptimizerParams.ALL);
    /** The projector's shape (methods whose hidden-layer normalisation is their own: BYOL, DINO). */
    public static final List<Param<?>> PROJECTOR_SHAPE = List.of(PROJ_LAYERS, PROJ_HIDDEN, PROJ_DIM);
    /** The projector g: shape and batch norm. */
    public static final List<Param<?>> PROJECTOR = concat(PROJECTOR_SHAPE, List.of(PROJ_BN));
    /** A MoCo-style momentum key encoder and its queue of negatives. */
    public static final List<Param<?>> QUEUE = List.of(QUEUE_SIZE, KEY_MOMENTUM);
    /** An EMA target raised to 1 on a cosine (BYOL, MoCo v3, DINO). */
    public static final List<Param<?>> TARGET = List.of(BASE_TARGET_MOMENTUM);
    /** Multi-crop's small crops (SwAV, DINO). */
    public static final List<Param<?>> MULTI_CROP = List.of(LOCAL_CROPS, LOCAL_CROP_SIZE);
    /** SimCLR's colour distortion strength (methods on SimCLR's augmentation). */
    public static final List<Param<?>> AUG = List.of(AUG_STRENGTH);

    private static List<Param<?>> concat(List<Param<?>> a, List<Param<?>> b) {
        List<Param<?>> out = new ArrayList<>(a);
        out.addAll(b);
        return List.copyOf(out);
    }

    private static boolean validCmcViews(String s) {
        if (s.equals("auto")) {
            return true;
        }
        List<String> v = List.of(s.split(","));
        return v.size() >= 2 && v.stream().distinct().count() == v.size()
                && v.stream().allMatch(CMC_VIEW_NAMES::contains);
    }
}
