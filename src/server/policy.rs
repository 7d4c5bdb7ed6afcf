//! The HTTP face of the access rules: `check` asks `access::may` whether the caller's role may
//! do an action and answers 403 naming what was refused. The rules themselves (the role ×
//! endpoint matrix, projection scopes, what is recorded) are the access module's.

use crate::access::may;
/// The actions and reaches handlers name, as the access module defines them.
pub use crate::access::{Action, Reach};
use crate::server::auth::Principal;
use crate::server::error::ApiError;

/// Allowed, or 403 naming what was refused.
pub fn check(principal: &Principal, action: Action<'_>) -> Result<(), ApiError> {
    if may(&principal.role, action) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(describe(principal, action)))
    }
}

fn describe(principal: &Principal, action: Action<'_>) -> String {
    let what = match action {
        Action::ReadHead => "чтение головы журнала".to_string(),
        Action::ReadEvents => "чтение событий журнала".to_string(),
        Action::Verify => "проверка целостности".to_string(),
        Action::Append => "запись событий".to_string(),
        Action::ReadProjection(Reach::Region) => "чтение данных по региону".to_string(),
        Action::ReadProjection(Reach::Municipality(code)) => {
            format!("чтение данных по муниципалитету {code}")
        }
        Action::ReadProjection(Reach::Organisation { id, .. }) => {
            format!("чтение данных по организации {id}")
        }
        Action::ReadPlans => "чтение планов мероприятий".to_string(),
        Action::ReadCatalogue => "чтение каталога показателей".to_string(),
        Action::ImportPlan(level) => {
            format!("импорт плана уровня «{}»", crate::documents::labels::level_label(&level))
        }
    };
    format!("роль {} не может выполнять {what}", principal.role)
}
