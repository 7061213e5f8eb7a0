// The forward pass of the plate decoder's format-constrained CTC Viterbi (FormatDecoder.swift). It runs for every
// format searched of every read (about 40 passes of 32 columns × 150 states per 1080p frame of US plates): 8 % of
// the frame's time in Swift. Where the CPU has AVX-512 the states of a position go eight at a time, with the
// scalar pass's results bit for bit (the same comparisons, the same float sums, the same ties).
#include "plate_kernels.h"
#include "cpu_features.h"
#include <math.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#endif

typedef struct {
    const float *logs;
    int columns, classes, length, states;
    const int32_t *offset, *state_class;
    const float *state_weight;
} Lattice;

/// The best and second-best state of each position at t - 1 (the earliest of equal scores; -1 where none is
/// finite): the "a different class" moves need both.
static void tops_scalar(const Lattice *l, const double *character, int32_t *top1, int32_t *top2) {
    const double none = -INFINITY;
    for (int i = 0; i < l->length; i++) {
        int first = -1, second = -1;
        for (int s = l->offset[i]; s < l->offset[i + 1]; s++) {
            const double v = character[s];
            if (!(v > none)) continue;
            if (first < 0 || v > character[first]) {
                second = first;
                first = s;
            } else if (second < 0 || v > character[second]) {
                second = s;
            }
        }
        top1[i] = first;
        top2[i] = second;
    }
}

/// A character state stays (-1), follows the blank before it (-2), or follows the previous position's best state
/// of another class (its second best where the best is this class): two identical neighbours need a blank between.
static void characters_scalar(const Lattice *l, const float *row, const double *blank, const double *character,
                              const int32_t *top1, const int32_t *top2, double *next, int32_t *back) {
    const double none = -INFINITY;
    for (int i = 0; i < l->length; i++) {
        const double blank_score = blank[i];
        const int top = i > 0 ? top1[i - 1] : -1, second = i > 0 ? top2[i - 1] : -1;
        const int top_class = top >= 0 ? l->state_class[top] : -1, second_class = second >= 0 ? l->state_class[second] : -1;
        const double top_score = top >= 0 ? character[top] : none, second_score = second >= 0 ? character[second] : none;
        for (int s = l->offset[i]; s < l->offset[i + 1]; s++) {
            const int c = l->state_class[s];
            double score = character[s];
            int32_t from = -1;
            if (blank_score > score) {
                score = blank_score;
                from = -2;
            }
            const int use_top = top >= 0 && top_class != c;
            const int previous = use_top ? top : second, previous_class = use_top ? top_class : second_class;
            const double previous_score = use_top ? top_score : second_score;
            if (previous >= 0 && previous_class != c && previous_score > score) {
                score = previous_score;
                from = previous;
            }
            next[s] = score == none ? none : score + (double)(row[c] + l->state_weight[s]);
            back[s] = from;
        }
    }
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
__attribute__((target("avx512f,avx512vl")))
static inline __mmask8 lanes(int left) { return left >= 8 ? (__mmask8)0xFF : (__mmask8)((1u << left) - 1); }

/// tops_scalar, eight states at a time: the earliest state holding the largest finite score, then the earliest
/// other state holding the largest of the rest.
__attribute__((target("avx512f,avx512vl")))
static void tops_avx512(const Lattice *l, const double *character, int32_t *top1, int32_t *top2) {
    const __m512d none = _mm512_set1_pd(-INFINITY);
    for (int i = 0; i < l->length; i++) {
        const int lo = l->offset[i], hi = l->offset[i + 1];
        __m512d m = none;
        // (the loaded scores first: MAXPD returns its second operand where the first is not a number, as the scalar pass
        // skips such a score)
        for (int s = lo; s < hi; s += 8) m = _mm512_max_pd(_mm512_mask_loadu_pd(none, lanes(hi - s), character + s), m);
        const double best = _mm512_reduce_max_pd(m);
        int first = -1, second = -1;
        if (best > -INFINITY) {
            const __m512d b = _mm512_set1_pd(best);
            for (int s = lo; s < hi && first < 0; s += 8) {
                const __mmask8 k = lanes(hi - s);
                const __mmask8 hit = _mm512_mask_cmp_pd_mask(k, _mm512_mask_loadu_pd(none, k, character + s), b, _CMP_EQ_OQ);
                if (hit) first = s + __builtin_ctz(hit);
            }
            m = none;
            for (int s = lo; s < hi; s += 8) {
                __mmask8 k = lanes(hi - s);
                if (first >= s && first < s + 8) k &= (__mmask8)~(1u << (first - s));
                m = _mm512_max_pd(_mm512_mask_loadu_pd(none, k, character + s), m);
            }
            const double next = _mm512_reduce_max_pd(m);
            if (next > -INFINITY) {
                const __m512d n = _mm512_set1_pd(next);
                for (int s = lo; s < hi && second < 0; s += 8) {
                    __mmask8 k = lanes(hi - s);
                    if (first >= s && first < s + 8) k &= (__mmask8)~(1u << (first - s));
                    const __mmask8 hit = _mm512_mask_cmp_pd_mask(k, _mm512_mask_loadu_pd(none, k, character + s), n, _CMP_EQ_OQ);
                    if (hit) second = s + __builtin_ctz(hit);
                }
            }
        }
        top1[i] = first;
        top2[i] = second;
    }
}

/// characters_scalar, eight states at a time.
__attribute__((target("avx512f,avx512vl")))
static void characters_avx512(const Lattice *l, const float *row, const double *blank, const double *character,
                              const int32_t *top1, const int32_t *top2, double *next, int32_t *back) {
    const __m512d none = _mm512_set1_pd(-INFINITY);
    const __m256i stayed = _mm256_set1_epi32(-1), from_blank = _mm256_set1_epi32(-2);
    for (int i = 0; i < l->length; i++) {
        const __m512d blank_score = _mm512_set1_pd(blank[i]);
        const int top = i > 0 ? top1[i - 1] : -1, second = i > 0 ? top2[i - 1] : -1;
        const int top_class = top >= 0 ? l->state_class[top] : -1, second_class = second >= 0 ? l->state_class[second] : -1;
        const __m512d top_score = _mm512_set1_pd(top >= 0 ? character[top] : -INFINITY);
        const __m512d second_score = _mm512_set1_pd(second >= 0 ? character[second] : -INFINITY);
        const __m256i top_index = _mm256_set1_epi32(top), second_index = _mm256_set1_epi32(second);
        const __m256i top_classes = _mm256_set1_epi32(top_class), second_classes = _mm256_set1_epi32(second_class);
        const int lo = l->offset[i], hi = l->offset[i + 1];
        for (int s = lo; s < hi; s += 8) {
            const __mmask8 k = lanes(hi - s);
            const __m256i c = _mm256_maskz_loadu_epi32(k, l->state_class + s);
            __m512d score = _mm512_mask_loadu_pd(none, k, character + s);
            const __mmask8 to_blank = _mm512_cmp_pd_mask(blank_score, score, _CMP_GT_OQ);
            score = _mm512_mask_mov_pd(score, to_blank, blank_score);
            __m256i from = _mm256_mask_mov_epi32(stayed, to_blank, from_blank);
            // The previous position's best state where its class differs from this one's, else its second best
            // where that one's does.
            const __mmask8 use_top = top >= 0 ? _mm256_cmpneq_epi32_mask(c, top_classes) : 0;
            const __mmask8 use_second = second >= 0 ? (__mmask8)(~use_top & _mm256_cmpneq_epi32_mask(c, second_classes)) : 0;
            const __m512d previous_score = _mm512_mask_mov_pd(second_score, use_top, top_score);
            const __m256i previous = _mm256_mask_mov_epi32(second_index, use_top, top_index);
            const __mmask8 moved = _mm512_mask_cmp_pd_mask(use_top | use_second, previous_score, score, _CMP_GT_OQ);
            score = _mm512_mask_mov_pd(score, moved, previous_score);
            from = _mm256_mask_mov_epi32(from, moved, previous);
            const __m256 weights = _mm256_maskz_loadu_ps(k, l->state_weight + s);
            const __m256 emitted = _mm256_add_ps(_mm256_mmask_i32gather_ps(_mm256_setzero_ps(), k, c, row, 4), weights);
            const __mmask8 alive = _mm512_cmp_pd_mask(score, none, _CMP_NEQ_UQ);
            _mm512_mask_storeu_pd(next + s, k, _mm512_mask_add_pd(none, alive, score, _mm512_cvtps_pd(emitted)));
            _mm256_mask_storeu_epi32(back + s, k, from);
        }
    }
}

#endif

static double viterbi(const float *logs, int columns, int classes, const int32_t *offset, int length,
                      const int32_t *state_class, const float *state_weight, double *scores, int32_t *tops,
                      int32_t *blank_back, int32_t *character_back, int32_t *end_state, int vectors) {
    *end_state = -1;
    if (columns <= 0 || length <= 0) return -INFINITY;
    const Lattice lattice = {logs, columns, classes, length, offset[length], offset, state_class, state_weight};
    const Lattice *l = &lattice;
    const int states = l->states, size = length + 1 + states;
    const double none = -INFINITY;
    for (int i = 0; i < 2 * size; i++) scores[i] = none;
    // Scores at t - 1 and t: blanks (length + 1), then character states.
    double *blank = scores, *character = scores + length + 1;
    double *next_blank = scores + size, *next_character = next_blank + length + 1;
    int32_t *top1 = tops, *top2 = tops + length;
    blank[0] = (double)l->logs[0];
    for (int s = 0; s < l->offset[1]; s++) character[s] = (double)(l->logs[l->state_class[s]] + l->state_weight[s]);
    for (int t = 1; t < l->columns; t++) {
        const float *row = l->logs + (size_t)t * l->classes;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
        if (vectors) tops_avx512(l, character, top1, top2);
        else
#endif
            tops_scalar(l, character, top1, top2);
        // A blank stays, or follows its position's best character.
        const double blank_log = (double)row[0];
        int32_t *blank_from = blank_back + (size_t)t * (length + 1);
        for (int i = 0; i <= length; i++) {
            double score = blank[i];
            int32_t from = -1;
            if (i > 0 && top1[i - 1] >= 0 && character[top1[i - 1]] > score) {
                score = character[top1[i - 1]];
                from = top1[i - 1];
            }
            next_blank[i] = score == none ? none : score + blank_log;
            blank_from[i] = from;
        }
        int32_t *character_from = character_back + (size_t)t * states;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
        if (vectors) characters_avx512(l, row, blank, character, top1, top2, next_character, character_from);
        else
#endif
            characters_scalar(l, row, blank, character, top1, top2, next_character, character_from);
        double *swap = blank;
        blank = next_blank;
        next_blank = swap;
        swap = character;
        character = next_character;
        next_character = swap;
    }
    // End in the trailing blank or in any class of the last character.
    double total = blank[length];
    for (int s = l->offset[length - 1]; s < l->offset[length]; s++)
        if (character[s] > total) {
            total = character[s];
            *end_state = s;
        }
    return total;
}

double cpd_ctc_viterbi(const float *logs, int columns, int classes, const int32_t *offset, int length,
                       const int32_t *state_class, const float *state_weight, double *scores, int32_t *tops,
                       int32_t *blank_back, int32_t *character_back, int32_t *end_state) {
    return viterbi(logs, columns, classes, offset, length, state_class, state_weight, scores, tops, blank_back,
                   character_back, end_state, cpd_cpu_has_avx512vl());
}

double cpd_ctc_viterbi_portable(const float *logs, int columns, int classes, const int32_t *offset, int length,
                                const int32_t *state_class, const float *state_weight, double *scores, int32_t *tops,
                                int32_t *blank_back, int32_t *character_back, int32_t *end_state) {
    return viterbi(logs, columns, classes, offset, length, state_class, state_weight, scores, tops, blank_back,
                   character_back, end_state, 0);
}
