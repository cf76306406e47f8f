/** The name of every postgresql migration, oldest first (written by create-migration.ts, as index.ts): what a start compares with the applied ones without loading the migrations. */
export const postgresqlMigrationNames: readonly string[] = [
  'Migration20261126142842_initial',
  'Migration20261126150613_runs',
  'Migration20261126154253_clouds',
  'Migration20261127061500_fillfactor',
  'Migration20261206024946_replicas',
  'Migration20261206190055_finished_runs',
  'Migration20261206191712_journal_events',
  'Migration20261207010000_module_tags',
  'Migration20261207010100_module_publications',
  'Migration20261207010200_templates',
  'Migration20261207010300_built_images',
  'Migration20261207010400_usage',
  'Migration20261207220000_parameter_sets_function',
];
