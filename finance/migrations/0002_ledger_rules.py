"""The ledger's rules, kept by the database: entries and journals are never changed or deleted, and every journal
transaction balances in each of its currencies when its transaction commits. The functions live in the public
schema (one copy for every store); each store's tables carry the triggers (copied with the template schema)."""

from django.db import migrations

FUNCTIONS = """
CREATE OR REPLACE FUNCTION public.finance_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'The ledger is append-only: % on %.% is refused; post a reversing journal instead.',
        TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
END;
$$;

CREATE OR REPLACE FUNCTION public.finance_journal_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    unbalanced text;
BEGIN
    EXECUTE format('SELECT string_agg(currency || '' '' || total::text, '', '') FROM ('
                   'SELECT currency, sum(amount) AS total FROM %I.finance_entry WHERE journal_id = $1 '
                   'GROUP BY currency HAVING sum(amount) <> 0) AS off', TG_TABLE_SCHEMA)
        INTO unbalanced USING NEW.journal_id;
    IF unbalanced IS NOT NULL THEN
        RAISE EXCEPTION 'Journal % does not balance: %', NEW.journal_id, unbalanced
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END;
$$;
"""

TRIGGERS = """
CREATE TRIGGER finance_entry_append_only BEFORE UPDATE OR DELETE ON finance_entry
    FOR EACH ROW EXECUTE FUNCTION public.finance_refuse_change();
CREATE TRIGGER finance_journal_append_only BEFORE UPDATE OR DELETE ON finance_journal
    FOR EACH ROW EXECUTE FUNCTION public.finance_refuse_change();
CREATE CONSTRAINT TRIGGER finance_journal_balanced AFTER INSERT ON finance_entry
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.finance_journal_balanced();
"""

DROP = """
DROP TRIGGER IF EXISTS finance_entry_append_only ON finance_entry;
DROP TRIGGER IF EXISTS finance_journal_append_only ON finance_journal;
DROP TRIGGER IF EXISTS finance_journal_balanced ON finance_entry;
"""


class Migration(migrations.Migration):

    dependencies = [("finance", "0001_initial")]

    operations = [migrations.RunSQL(FUNCTIONS + TRIGGERS, DROP)]
