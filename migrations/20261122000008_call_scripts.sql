-- Call scripts (crates/scenario): the initial schema's `scenarios` under the
-- name managers see, plus what a script's run leaves on an attempt.
ALTER TABLE scenarios RENAME TO call_scripts;
ALTER TABLE call_scripts RENAME COLUMN definition TO body;
ALTER TABLE campaigns RENAME COLUMN scenario_id TO script_id;
ALTER TABLE inbound_routes RENAME COLUMN scenario_id TO script_id;

-- Keys collected by the script's menus, by menu name ({"confirm": "1"}).
ALTER TABLE attempts ADD COLUMN answers JSONB;
-- The person asked not to be called again (the number went on the opt-out list).
ALTER TABLE attempts ADD COLUMN opted_out BOOLEAN NOT NULL DEFAULT false;
-- The script left its voicemail after a machine's beep.
ALTER TABLE attempts ADD COLUMN voicemail_left BOOLEAN NOT NULL DEFAULT false;

-- A prompt a script plays cannot be deleted (as a campaign's prompt cannot).
CREATE FUNCTION prompt_not_in_scripts() RETURNS trigger AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM call_scripts
        WHERE jsonb_path_exists(body, '$.** ? (@.type == "play" && @.prompt_id == $id)', jsonb_build_object('id', OLD.id))
    ) THEN
        RAISE EXCEPTION 'prompt % is played by a call script', OLD.id USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN OLD;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER prompts_played_by_scripts BEFORE DELETE ON prompts
    FOR EACH ROW EXECUTE FUNCTION prompt_not_in_scripts();
