-- Each instance keeps the sessions it has just seen in memory for a few
-- seconds (src/platform/auth/session-cache.ts). Whatever changes what a
-- session may do (it ends, its token turns, its second factor or step-up is
-- done, it acts for someone else; its user's account, roles or passkeys
-- change) is announced here by user id, whoever makes the change (any
-- instance, a job, an operator's SQL), so every instance forgets it at once.
-- Only the idle clock (last_seen_at) moving forward is not announced: it
-- moves every few requests, and an older copy of it can only make a session
-- look idle sooner; one that looks idle is read again before it is ended.
create function announce_session_change() returns trigger language plpgsql as $$
begin
  perform pg_notify('session_change', coalesce(to_jsonb(new), to_jsonb(old))
    ->> case tg_table_name when 'users' then 'id' else 'user_id' end);
  return null;
end $$;

create trigger sessions_change after update on sessions for each row
  when ((to_jsonb(old) - 'last_seen_at') is distinct from (to_jsonb(new) - 'last_seen_at')
    or new.last_seen_at < old.last_seen_at)
  execute function announce_session_change();
create trigger sessions_end after delete on sessions for each row
  execute function announce_session_change();
create trigger users_change after update or delete on users for each row
  execute function announce_session_change();
create trigger user_roles_change after insert or update or delete on user_roles for each row
  execute function announce_session_change();
create trigger passkeys_change after insert or update or delete on passkeys for each row
  execute function announce_session_change();
