"""The words of the data-protection pack (edge.privacy_docs), in Ukrainian and English.

Kept apart from the generator so a lawyer or the council can review the wording in one place. `{…}`
fields are filled from the config; `BLANK` marks what the controller must write in by hand.
"""

from __future__ import annotations

BLANK = "________________"

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Data-protection pack",
        "generated": (
            "Generated from the appliance's configuration by `dozor privacy-docs`; regenerate it "
            "whenever the configuration changes. Fields marked {blank} are for the controller to "
            "fill in."
        ),
        "sign": "1. The sign (two layers)",
        "layer1": (
            "First layer: the notice at each camera (A4 or larger, at eye level, before the "
            "camera's view)"
        ),
        "layer1_text": (
            "VIDEO SURVEILLANCE · LICENCE PLATES ARE READ\n"
            "\n"
            "Controller: {controller}\n"
            "Purpose: investigation of offences by the police, at the community's request.\n"
            "Video and plate reads are deleted after {days} days, unless held for a case (at most "
            "{hold} days).\n"
            "Ask whether your plate is stored, and about your rights: {contact}\n"
            "Full notice: {notice}"
        ),
        "layer2": "Second layer: the full notice",
        "layer2_intro": (
            "{controller} records video of public roads and places with {count} cameras and reads "
            "the licence plates of passing vehicles on {lpr} of them, so that the police can "
            "investigate offences (theft, missing persons, road accidents and the like)."
        ),
        "cameras": "The cameras",
        "camera_head": (
            "| camera | what it looks at | plates read |\n"
            "|---|---|---|"
        ),
        "yes": "yes",
        "no": "no",
        "who": "Who sees what",
        "who_text": (
            "- Police officers search plates and watch recorded video, only after stating a case "
            "number and a reason{case_rule}.\n"
            "- Volunteers on duty see the cameras' live pictures only: no plate search, no "
            "recordings.\n"
            "- Administrators manage the appliance, its accounts and its health, review the audit "
            "log (which names the plates searched and viewed) and answer people's requests about "
            "their plates; like police, they search plates and watch recorded video only after "
            "stating a case.\n"
            "- Every search, every view of a plate, picture or video and every export is written "
            "to a hash-chained audit log; the community's transparency report publishes the "
            "numbers each month."
        ),
        "case_rule_on": " (required: `[access] require_case`)",
        "case_rule_off": " (currently NOT required: `[access] require_case = false`)",
        "where": "Where the data is",
        "where_text": (
            "On the community's own server (Dozor appliance), in `{path}`, reachable on the local "
            "network only (web UI at `{listen}`). Nothing is sent to any cloud service.{shared}"
        ),
        "shared_text": (
            " The plate reads (plate text, times, camera; no video and no pictures) are also copied to "
            "the community's shared plate index on `{hub}` (PostgreSQL), where the police of the "
            "community search them; video and pictures stay here and are shown there only when an "
            "officer opens them, each time written to the audit log there."
        ),
        "retention": "How long",
        "retention_text": (
            "Video, plate reads and plate pictures: {days} days, then deleted automatically. A "
            "police officer may hold the data of one camera and time for a case for at most {hold} "
            "days; the hold, its end and its release are audited."
        ),
        "basis": "Legal basis",
        "rights": "Your rights",
        "rights_text": (
            "You may ask whether your vehicle's plate is stored, ask for a copy or for deletion "
            "where the law allows, and complain to the Ukrainian Parliament Commissioner for Human "
            "Rights. See section 4."
        ),
        "dpia": "2. Data-protection impact assessment (DPIA), pre-filled",
        "dpia_intro": (
            "Systematic monitoring of publicly accessible areas on a large scale needs an impact "
            "assessment before it starts (EDPB guidelines 3/2019). The facts below come from the "
            "configuration; the assessment itself is for the controller."
        ),
        "dpia_rows": (
            "| | |\n"
            "|---|---|\n"
            "| Controller | {controller} |\n"
            "| Contact | {contact} |\n"
            "| Legal basis | {basis} |\n"
            "| Cameras | {count} ({lpr} read plates) |\n"
            "| Data | video; licence plate text, time, camera, plate and scene pictures |\n"
            "| Retention | {days} days; case holds at most {hold} days |\n"
            "| Who sees plate data | police and administrators, with a case{case_rule}; "
            "administrators also in the audit log and when answering a person's request |\n"
            "| Where | `{path}` on the appliance, local network only |\n"
            "| Oversight | searches (by plate, or by place and time) and plate data opened outside "
            "{duty_start}-{duty_end}, more than {per_case} searches per case a week, one plate "
            "searched under {repeat} cases, exports, plates put on the watchlist, every lookup of a "
            "plate for a person's request and holds ending within {warn} days are flagged to "
            "administrators; weekly summary in the system journal |\n"
            "| Necessity: why cameras, why these places | {blank} |\n"
            "| Less intrusive means considered | {blank} |\n"
            "| Risks to people (e.g. tracking of a person, misuse by an insider) | {blank} |\n"
            "| Measures beyond the above | {blank} |\n"
            "| Approved by, date | {blank} |"
        ),
        "ropa": "3. Records of processing entry",
        "ropa_rows": (
            "| | |\n"
            "|---|---|\n"
            "| Name of the processing | Community video surveillance with licence plate reading |\n"
            "| Controller and contact | {controller}; {contact} |\n"
            "| Purpose | Investigation of offences by the police |\n"
            "| Legal basis | {basis} |\n"
            "| Data subjects | People and vehicles passing the cameras |\n"
            "| Categories of data | Video; licence plate text, time, camera; plate and scene "
            "pictures; police watchlist entries (plate or pattern, note, who added it, expiry) and "
            "their alerts; audit log of access (user, time, case, reason, the plate searched or "
            "viewed) |\n"
            "| Recipients | Police officers and administrators with an account on the appliance; "
            "courts through exported evidence |\n"
            "| Transfers abroad | None |\n"
            "| Retention | {days} days (video, sightings, pictures, watchlist alerts); case holds at "
            "most {hold} days; watchlist entries while listed and {days} days after they are removed "
            "or expire (longer while an alert of a held sighting names them); the audit log of access "
            "(which names the plates searched or viewed) is kept, not deleted |\n"
            "| Security measures | Local network only; personal accounts, hashed passwords, "
            "lockout; a case for every plate search; hash-chained audit log anchored outside its "
            "database; monthly transparency report |"
        ),
        "access": "4. How a person asks whether their plate is stored",
        "access_text": (
            "1. Write to {contact}, giving the plate number and, if you can, the days and places. "
            "Ask in person at the council if you prefer.\n"
            "2. The administrator looks it up on the appliance with `dozor subject-lookup PLATE "
            "--request REFERENCE`. The lookup itself is written to the audit log (who, when, which "
            "request, how many records were found), like every other access to plate data.\n"
            "3. You receive an answer within 30 days: whether the plate is stored, how many "
            "sightings, on which days and cameras, and the date they will be deleted ({days} days "
            "after each sighting, or the end of a case hold).\n"
            "4. Sightings older than {days} days are deleted automatically (unless held for a case) "
            "and cannot be found. The audit log keeps, as the record of access, which plates police "
            "searched or viewed; it is not deleted."
        ),
        "settings": "Settings this pack was generated from",
    },
    "uk": {
        "title": "Пакет документів про захист даних",
        "generated": (
            "Створено з конфігурації пристрою командою `dozor privacy-docs`; створюйте заново "
            "щоразу, коли конфігурація змінюється. Поля {blank} заповнює володілець даних."
        ),
        "sign": "1. Табличка (два рівні)",
        "layer1": (
            "Перший рівень: повідомлення біля кожної камери (A4 або більше, на рівні очей, до поля "
            "зору камери)"
        ),
        "layer1_text": (
            "ВІДЕОСПОСТЕРЕЖЕННЯ · ЗЧИТУЮТЬСЯ НОМЕРНІ ЗНАКИ\n"
            "\n"
            "Володілець даних: {controller}\n"
            "Мета: розслідування правопорушень поліцією на запит громади.\n"
            "Відео та прочитані номери видаляються через {days} днів, якщо їх не утримують для "
            "справи (щонайбільше {hold} днів).\n"
            "Дізнатися, чи зберігається ваш номер, і про ваші права: {contact}\n"
            "Повне повідомлення: {notice}"
        ),
        "layer2": "Другий рівень: повне повідомлення",
        "layer2_intro": (
            "{controller} записує відео громадських доріг і місць {count} камерами та зчитує "
            "номерні знаки транспорту, що проїжджає, на {lpr} з них, щоб поліція могла "
            "розслідувати правопорушення (крадіжки, зникнення людей, ДТП тощо)."
        ),
        "cameras": "Камери",
        "camera_head": (
            "| камера | що знімає | читає номери |\n"
            "|---|---|---|"
        ),
        "yes": "так",
        "no": "ні",
        "who": "Хто що бачить",
        "who_text": (
            "- Поліцейські шукають номери та переглядають записане відео лише після того, як "
            "зазначать номер справи й підставу{case_rule}.\n"
            "- Волонтери на чергуванні бачать лише живе зображення камер: без пошуку номерів і без "
            "записів.\n"
            "- Адміністратори керують пристроєм, обліковими записами та його станом, переглядають "
            "журнал аудиту (у ньому видно, які номери шукали й переглядали) і відповідають на запити "
            "людей про їхні номери; як і поліцейські, вони шукають номери та переглядають записане "
            "відео лише після того, як зазначать справу.\n"
            "- Кожен пошук, кожен перегляд номера, знімка чи відео та кожен експорт записуються до "
            "журналу аудиту з ланцюжком хешів; щомісячний звіт про прозорість громади публікує ці "
            "числа."
        ),
        "case_rule_on": " (обов'язково: `[access] require_case`)",
        "case_rule_off": " (зараз НЕ обов'язково: `[access] require_case = false`)",
        "where": "Де зберігаються дані",
        "where_text": (
            "На власному сервері громади (пристрій Dozor), у `{path}`, доступ лише з локальної "
            "мережі (вебінтерфейс на `{listen}`). Нічого не надсилається до хмарних сервісів.{shared}"
        ),
        "shared_text": (
            " Прочитані номери (текст номера, час, камера; без відео та знімків) також копіюються до "
            "спільного індексу номерів громади на `{hub}` (PostgreSQL), де їх шукає поліція громади; "
            "відео та знімки лишаються тут і показуються там лише тоді, коли поліцейський їх "
            "відкриває, щоразу із записом до журналу аудиту там."
        ),
        "retention": "Як довго",
        "retention_text": (
            "Відео, прочитані номери та знімки номерів: {days} днів, потім автоматично "
            "видаляються. Поліцейський може утримати дані однієї камери за певний час для справи "
            "щонайбільше {hold} днів; утримання, його закінчення та зняття записуються до журналу "
            "аудиту."
        ),
        "basis": "Правова підстава",
        "rights": "Ваші права",
        "rights_text": (
            "Ви можете запитати, чи зберігається номер вашого транспортного засобу, отримати копію "
            "або вимагати видалення, де це дозволяє закон, і поскаржитися Уповноваженому Верховної "
            "Ради України з прав людини. Див. розділ 4."
        ),
        "dpia": "2. Оцінка впливу на захист даних (DPIA), попередньо заповнена",
        "dpia_intro": (
            "Систематичне спостереження за загальнодоступними місцями у великому масштабі потребує "
            "оцінки впливу до початку (настанови EDPB 3/2019). Факти нижче взято з конфігурації; "
            "саму оцінку робить володілець даних."
        ),
        "dpia_rows": (
            "| | |\n"
            "|---|---|\n"
            "| Володілець даних | {controller} |\n"
            "| Контакт | {contact} |\n"
            "| Правова підстава | {basis} |\n"
            "| Камери | {count} (з них читають номери: {lpr}) |\n"
            "| Дані | відео; текст номерного знака, час, камера, знімки номера та сцени |\n"
            "| Строк зберігання | {days} днів; утримання для справ щонайбільше {hold} днів |\n"
            "| Хто бачить дані про номери | поліція й адміністратори, зі справою{case_rule}; "
            "адміністратори також у журналі аудиту та відповідаючи на запит людини |\n"
            "| Де | `{path}` на пристрої, лише локальна мережа |\n"
            "| Нагляд | пошуки (за номером або за місцем і часом) і відкриті дані про номери поза "
            "{duty_start}-{duty_end}, понад {per_case} пошуків за справою на тиждень, один номер за "
            "{repeat} справами, експорт, номери, додані до списку розшуку, кожна перевірка номера на "
            "запит особи і утримання, що закінчуються протягом {warn} днів, позначаються "
            "адміністраторам; щотижневий підсумок у системному журналі |\n"
            "| Необхідність: чому камери, чому ці місця | {blank} |\n"
            "| Розглянуті менш втручальні засоби | {blank} |\n"
            "| Ризики для людей (напр. стеження за особою, зловживання працівником) | {blank} |\n"
            "| Заходи понад наведені | {blank} |\n"
            "| Затвердив, дата | {blank} |"
        ),
        "ropa": "3. Запис у реєстрі операцій з обробки",
        "ropa_rows": (
            "| | |\n"
            "|---|---|\n"
            "| Назва обробки | Відеоспостереження громади зі зчитуванням номерних знаків |\n"
            "| Володілець даних і контакт | {controller}; {contact} |\n"
            "| Мета | Розслідування правопорушень поліцією |\n"
            "| Правова підстава | {basis} |\n"
            "| Суб'єкти даних | Люди та транспорт, що проїжджають повз камери |\n"
            "| Категорії даних | Відео; текст номерного знака, час, камера; знімки номера та "
            "сцени; записи списку розшуку поліції (номер або шаблон, примітка, хто додав, до коли) "
            "та їхні тривоги; журнал аудиту доступу (користувач, час, справа, підстава, номер, який "
            "шукали чи переглядали) |\n"
            "| Одержувачі | Поліцейські та адміністратори з обліковим записом на пристрої; суди через "
            "експортовані докази |\n"
            "| Передача за кордон | Немає |\n"
            "| Строк зберігання | {days} днів (відео, проїзди, знімки, тривоги списку розшуку); "
            "утримання для справ щонайбільше {hold} днів; записи списку розшуку — поки вони в "
            "списку і ще {days} днів після видалення чи кінця строку (довше, поки на них посилається "
            "тривога утримуваного проїзду); журнал аудиту доступу (у ньому видно номери, які шукали "
            "чи переглядали) зберігається, не видаляється |\n"
            "| Заходи безпеки | Лише локальна мережа; особисті облікові записи, хешовані паролі, "
            "блокування; справа для кожного пошуку номера; журнал аудиту з ланцюжком хешів, "
            "закріплений поза його базою; щомісячний звіт про прозорість |"
        ),
        "access": "4. Як людина може дізнатися, чи зберігається її номер",
        "access_text": (
            "1. Напишіть на {contact}, вказавши номерний знак і, якщо можете, дні та місця. Або "
            "зверніться особисто до ради.\n"
            "2. Адміністратор шукає на пристрої командою `dozor subject-lookup НОМЕР --request "
            "ПОСИЛАННЯ`. Сам пошук записується до журналу аудиту (хто, коли, за яким запитом, "
            "скільки записів знайдено), як і будь-який інший доступ до даних про номери.\n"
            "3. Ви отримаєте відповідь протягом 30 днів: чи зберігається номер, скільки проїздів, "
            "у які дні та якими камерами, і коли їх буде видалено ({days} днів після кожного "
            "проїзду або після закінчення утримання для справи).\n"
            "4. Проїзди, старші за {days} днів, видаляються автоматично (якщо їх не утримано для "
            "справи), і їх неможливо знайти. Журнал аудиту як запис доступу зберігає, які номери "
            "шукала чи переглядала поліція; він не видаляється."
        ),
        "settings": "Налаштування, з яких створено цей пакет",
    },
}
