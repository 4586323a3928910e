/** The signs the refusal's weights may take when it is fitted as monotone logistic regression. */

/**
 * Which way each question-level feature (features.ts) may move P(answerable), for `npm run
 * train -- --monotone-refusal` (the refusal fitted under these signs, see fitLogistic; measured
 * and not the default, see README): evidence that the corpus states the answer (the best
 * sentence's score and coverage, known words) may only raise it; evidence that it does not
 * (unknown or unrelated words, a missing answer type, an unbound number) may only lower it.
 * The question's length says neither, and is free.
 */
export const QUESTION_FEATURE_SIGNS: Readonly<Record<string, -1 | 0 | 1>> = {
  top_score: 1,
  top_margin: 1,
  top_prob: 1,
  top_cov_family: 1,
  top_cov_soft: 1,
  top_cov_passage: 1,
  top_names_matched: 1,
  top_unmatched_rare: -1,
  top_sim: 1,
  max_cov_exact: 1,
  top_support_min: 1,
  top_support_min_passage: 1,
  max_support_min_passage: 1,
  top_type_missing: -1,
  all_number_unbound: -1,
  top_cov_related: 1,
  max_cov_related: 1,
  max_related_all_window: 1,
  unknown_share: -1,
  unknown_share_idf: -1,
  unknown_any: -1,
  unknown_name: -1,
  unknown_number: -1,
  known_information: 1,
  unknown_information: -1,
  terms_log: 0,
  no_terms: -1,
  unrelated_share_idf: -1,
  unrelated_any: -1,
  known_information_x_unknown: -1,
  // The calibrated feature (model.ts, CALIBRATED_FEATURES): the best score against the corpus's off-topic level.
  top_score_vs_offtopic: 1,
};
