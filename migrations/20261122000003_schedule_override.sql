-- A manager's manual start/pause/stop wins over the campaign's schedule
-- until the schedule's next event: the Scheduler ignores schedule events at
-- or before this instant.
ALTER TABLE campaigns ADD COLUMN schedule_override_at TIMESTAMPTZ;
CREATE INDEX campaigns_scheduled ON campaigns (id)
    WHERE status IN ('scheduled', 'running', 'paused')
      AND (schedule_start_cron IS NOT NULL OR schedule_stop_cron IS NOT NULL
           OR starts_at IS NOT NULL OR ends_at IS NOT NULL);
