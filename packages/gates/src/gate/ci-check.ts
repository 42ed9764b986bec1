/**
 * The name of the check that the job `factory ci init` writes reports (it runs `factory gate ci`), and that
 * the merge policy of `factory review` requires green on the head commit by default (review.factoryCheck).
 */
export const FACTORY_CHECK_NAME = 'factory-gates';
